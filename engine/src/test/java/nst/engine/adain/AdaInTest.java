package nst.engine.adain;

import nst.engine.TestBackends;
import nst.engine.io.SafeTensors;
import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ScalarBackend;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdaIn} on every backend against the public PyTorch AdaIN code (fixture {@code golden/adain_op.safetensors},
 * written by {@code tools/make_adain_fixture.py}): statistics, AdaIN, the α blend and a two-style blend on
 * ReLU-like features with a dead channel. Plus the rules on bad arguments.
 */
class AdaInTest {
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_adain_fixture.py'";
    static SafeTensors.Reader fixture;

    @BeforeAll static void open() throws Exception {
        var url = AdaInTest.class.getResource("/golden/adain_op.safetensors");
        if (url == null) throw new IllegalStateException("missing fixture golden/adain_op.safetensors; " + REGENERATE);
        fixture = SafeTensors.open(Path.of(url.toURI()));
    }

    @AfterAll static void close() { fixture.close(); }

    static List<String> backends() { return TestBackends.names(); }

    /** A fixture feature map, (C, H, W), uploaded to {@code b}. */
    static Tensor tensor(Backend b, String name) {
        int[] shape = fixture.entry(name).shape();
        float[] v = fixture.floats(name);
        Buffer buf = b.allocate(v.length);
        b.upload(buf, v);
        return new Tensor(buf, shape[0], shape[1], shape[2]);
    }

    static void assertMatches(String label, String expected, float[] actual) {
        float[] want = fixture.floats(expected);
        Tolerance.golden(want).assertClose(label + " vs PyTorch " + expected, actual, want, REGENERATE);
        System.out.printf("AdaIn golden %-28s max |diff| %.2e (max |expected| %.2f)%n", label, Tolerance.maxAbsDiff(actual, want),
                maxAbs(want));
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    @ParameterizedTest @MethodSource("backends")
    void statisticsMatchPyTorch(String name) {
        try (Backend b = TestBackends.create(name)) {
            AdaIn.Statistics content = AdaIn.statistics(b, tensor(b, "content"));
            assertMatches(name + " content mean", "content_mean", content.mean());
            assertMatches(name + " content std", "content_std", content.std());
            AdaIn.Statistics style = AdaIn.statistics(b, tensor(b, "style_a"));
            assertMatches(name + " style mean", "style_a_mean", style.mean());
            assertMatches(name + " style std", "style_a_std", style.std());
            assertEquals(Math.sqrt(1e-5), content.std()[3], 1e-9, "the dead channel's std is √eps");
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void adainAndAlphaMatchPyTorch(String name) {
        try (Backend b = TestBackends.create(name)) {
            Tensor content = tensor(b, "content"), style = tensor(b, "style_a");
            Tensor out = new Tensor(b.allocate(content.size()), content.channels(), content.height(), content.width());
            AdaIn.apply(b, out, content, List.of(style), new double[] {1}, 1.0);
            assertMatches(name + " AdaIN α=1", "adain_a", out.download(b));
            AdaIn.apply(b, out, content, List.of(style), new double[] {5}, 0.6);     // one weight: normalised to 1
            assertMatches(name + " AdaIN α=0.6", "adain_a_alpha06", out.download(b));
        }
    }

    @ParameterizedTest @MethodSource("backends")
    void twoStyleBlendMatchesPyTorchInPlace(String name) {
        try (Backend b = TestBackends.create(name)) {
            Tensor content = tensor(b, "content");
            List<Tensor> styles = List.of(tensor(b, "style_a"), tensor(b, "style_b"));
            AdaIn.apply(b, content, content, styles, new double[] {1, 3}, 0.8);     // out = the content's own tensor
            assertMatches(name + " blend (1, 3) α=0.8", "blend_ab_alpha08", content.download(b));
            Tensor fresh = tensor(b, "content");
            AdaIn.apply(b, fresh, fresh, styles, new double[] {0.25, 0.75}, 1.0);
            assertMatches(name + " blend (0.25, 0.75) α=1", "blend_ab", fresh.download(b));
        }
    }

    @Test void alphaZeroGivesTheContentBack() {
        AdaIn.Statistics content = new AdaIn.Statistics(new float[] {1, -2}, new float[] {3, 0.5f});
        AdaIn.Statistics style = new AdaIn.Statistics(new float[] {7, 8}, new float[] {9, 10});
        assertArrayEquals(new float[] {1, 1, 0, 0}, AdaIn.coefficients(content, List.of(style), new double[] {1}, 0));
        // α = 1: a = σs/σx, b = μs − a·μx
        assertArrayEquals(new float[] {3, 20, 4, 48}, AdaIn.coefficients(content, List.of(style), new double[] {1}, 1));
    }

    @Test void badArgumentsAreClearErrors() {
        AdaIn.Statistics s2 = new AdaIn.Statistics(new float[2], new float[] {1, 1});
        AdaIn.Statistics s3 = new AdaIn.Statistics(new float[3], new float[] {1, 1, 1});
        assertMessage("alpha must be in [0, 1], got 1.5", () -> AdaIn.coefficients(s2, List.of(s2), new double[] {1}, 1.5));
        assertMessage("alpha must be in [0, 1], got NaN", () -> AdaIn.coefficients(s2, List.of(s2), new double[] {1}, Double.NaN));
        assertMessage("2 styles but 1 blend weights", () -> AdaIn.coefficients(s2, List.of(s2, s2), new double[] {1}, 1));
        assertMessage("must be finite and not negative, got -1.0", () -> AdaIn.coefficients(s2, List.of(s2), new double[] {-1}, 1));
        assertMessage("must not all be zero", () -> AdaIn.coefficients(s2, List.of(s2), new double[] {0}, 1));
        assertMessage("style features have 3 channels, the content 2", () -> AdaIn.coefficients(s2, List.of(s3), new double[] {1}, 1));
        assertMessage("at least one style", () -> AdaIn.coefficients(s2, List.of(), new double[0], 1));
        try (Backend b = new ScalarBackend()) {
            Tensor single = new Tensor(b.allocate(4), 4, 1, 1);
            assertMessage("got a 1x1 feature map: the image is too small for the encoder", () -> AdaIn.statistics(b, single));
        }
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
