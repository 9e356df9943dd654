package nst.engine.adain;

import nst.engine.TestBackends;
import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.engine.network.Tensor;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.engine.network.Preprocess;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdaIN's encoder and decoder ({@link AdaInNetwork}) on every backend against the public PyTorch networks at full
 * width on a 67×45 content and odd-sized styles (fixture {@code golden/adain_net.safetensors}, written by
 * {@code tools/make_adain_net_fixture.py} with the weights of {@link AdaInWeights#random}(15)): relu1_1…relu4_1,
 * the AdaIN target, and the decoded image at α = 1, α = 0.6 and for a two-style blend. Plus the weights file rules.
 */
class AdaInNetworkTest {
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_adain_net_fixture.py'";
    static SafeTensors.Reader fixture;
    static AdaInWeights weights;
    static int sub;

    @BeforeAll static void open() throws Exception {
        var url = AdaInNetworkTest.class.getResource("/golden/adain_net.safetensors");
        if (url == null) throw new IllegalStateException("missing fixture golden/adain_net.safetensors; " + REGENERATE);
        fixture = SafeTensors.open(Path.of(url.toURI()));
        weights = AdaInWeights.random(Long.parseLong(fixture.metadata().get("seed")));
        sub = Integer.parseInt(fixture.metadata().get("sub"));
    }

    @AfterAll static void close() { fixture.close(); }

    static List<String> backends() { return TestBackends.names(); }

    static void assertMatches(String label, String expected, float[] actual) {
        float[] want = fixture.floats(expected);
        Tolerance.golden(want).assertClose(label + " vs PyTorch " + expected, actual, want, REGENERATE);
        System.out.printf("AdaIN net golden %-30s max |diff| %.2e (max |expected| %.2f)%n", label, Tolerance.maxAbsDiff(actual, want),
                AdaInTest.maxAbs(want));
    }

    @Test void seededWeightsAreThoseOfTheScript() {
        float[] probe = fixture.floats("gen_probe");
        float[] w = weights.encoder(2).weight(), b = weights.decoder(28).bias();
        for (int i = 0; i < 8; i++) assertEquals(probe[i], w[i], "encoder.2.weight[" + i + "]");
        for (int i = 0; i < 3; i++) assertEquals(probe[8 + i], b[i], "decoder.28.bias[" + i + "]");
        float[] raw = AdaInWeights.uniform(15, 4, 5, 1f);
        for (int i = 0; i < 5; i++) assertEquals(probe[11 + i], raw[i], "raw uniform " + i);
    }

    static Tensor upload(Backend b, Buffer dst, String name) {
        int[] s = fixture.entry(name).shape();
        b.upload(dst, fixture.floats(name));
        return new Tensor(dst, s[0], s[1], s[2]);
    }

    @ParameterizedTest @MethodSource("backends")
    void encoderAndDecoderMatchPyTorch(String name) {
        try (Backend b = TestBackends.create(name); AdaInNetwork net = new AdaInNetwork(b, weights)) {
            int[] cs = fixture.entry("content").shape();
            Map<String, float[]> taps = new HashMap<>();
            float[] relu4, target;
            try (AdaInNetwork.Plan plan = net.plan(cs[1], cs[2], true)) {
                assertEquals(48, plan.outputHeight());
                assertEquals(72, plan.outputWidth());
                b.upload(plan.input, fixture.floats("content"));
                Tensor cf = plan.encode((tap, t) -> taps.put(tap, t.download(b)));
                relu4 = cf.download(b);
                assertMatches(name + " relu4_1", "relu4_1", relu4);
                for (String tap : List.of("relu1_1", "relu2_1", "relu3_1")) {
                    float[] f = taps.get(tap);
                    int c = fixture.entry(tap + "_mean").shape()[0], n = f.length / c;
                    float[] mean = new float[c], std = new float[c];
                    for (int ch = 0; ch < c; ch++) {
                        double s = 0, s2 = 0;
                        for (int j = 0; j < n; j++) s += f[ch * n + j];
                        double m = s / n;
                        for (int j = 0; j < n; j++) s2 += (f[ch * n + j] - m) * (f[ch * n + j] - m);
                        mean[ch] = (float) m;
                        std[ch] = (float) Math.sqrt(s2 / n);
                    }
                    assertMatches(name + " " + tap + " mean", tap + "_mean", mean);
                    assertMatches(name + " " + tap + " std", tap + "_std", std);
                    float[] picked = new float[(f.length + sub - 1) / sub];
                    for (int i = 0; i < picked.length; i++) picked[i] = f[i * sub];
                    assertMatches(name + " " + tap + " every " + sub + "th", tap + "_sub", picked);
                }
                // The scalar reference is slow at full width (about 2 s per network pass on a shared CI core): it decodes
                // α = 1 only; the fast backends decode all three cases (α = 0.6 and the blend differ only in AdaIN's
                // coefficients, which AdaInTest checks on every backend against PyTorch).
                boolean all = !name.equals("scalar");
                Map<String, AdaIn.Statistics> styles = new HashMap<>();
                for (String s : all ? List.of("style_a", "style_b") : List.of("style_a")) {
                    int[] ss = fixture.entry(s).shape();
                    try (AdaInNetwork.Plan sp = net.plan(ss[1], ss[2], false)) {
                        b.upload(sp.input, fixture.floats(s));
                        styles.put(s, AdaIn.statistics(b, sp.encode(null)));
                    }
                }
                try (Buffer feat = b.allocate(cf.size()); Buffer coeffs = b.allocate(2 * cf.channels())) {
                    Tensor f = new Tensor(feat, cf.channels(), cf.height(), cf.width());
                    AdaIn.Statistics content = AdaIn.statistics(b, cf);
                    record Case(String expected, List<String> styles, double[] w, double alpha) {}
                    for (Case k : List.of(new Case("out_alpha1", List.of("style_a"), new double[] {1}, 1),
                            new Case("out_alpha06", List.of("style_a"), new double[] {1}, 0.6),
                            new Case("out_blend", List.of("style_a", "style_b"), new double[] {1, 3}, 1))) {
                        if (!all && !k.expected().equals("out_alpha1")) continue;
                        b.upload(feat, relu4);
                        b.upload(coeffs, AdaIn.coefficients(content, k.styles().stream().map(styles::get).toList(), k.w(), k.alpha()));
                        b.channelAffine(feat, feat, coeffs, f.channels(), f.positions());
                        if (k.expected().equals("out_alpha1")) assertMatches(name + " AdaIN target", "target_a", f.download(b));
                        Tensor out = plan.decode(f);
                        assertEquals(72, out.width());
                        assertMatches(name + " decoded " + k.expected(), k.expected(), out.download(b));
                    }
                }
            }
        }
    }

    @Test void cropKeepsTheTopLeft() {
        float[] full = new float[3 * 4 * 5];
        for (int i = 0; i < full.length; i++) full[i] = i;
        float[] c = AdaInNetwork.crop(full, 4, 5, 3, 2);
        assertArrayEquals(new float[] {0, 1, 5, 6, 10, 11, 20, 21, 25, 26, 30, 31, 40, 41, 45, 46, 50, 51}, c);
    }

    @Test void featureSidesFollowCeilModePooling() {
        assertEquals(9, AdaInNetwork.featureSide(67));
        assertEquals(6, AdaInNetwork.featureSide(45));
        assertEquals(2, AdaInNetwork.featureSide(9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdaInNetwork.checkSize("style image 'tiny.png'", 8, 40));
        assertTrue(e.getMessage().startsWith("style image 'tiny.png' is 8x40, too small for AdaIN's encoder"), e.getMessage());
    }

    // ---------------------------------------------------------------- weights files

    @Test void weightsRoundTripThroughAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("adain.safetensors");
        AdaInWeights.random(3, true).save(f);
        AdaInWeights back = AdaInWeights.load(f);
        assertEquals("random(seed=3)", back.source());
        assertArrayEquals(AdaInWeights.random(3).decoder(14).weight(), back.decoder(14).weight());
        assertArrayEquals(AdaInWeights.random(3).encoder(29).bias(), back.encoder(29).bias());
        try (SafeTensors.Reader r = SafeTensors.open(f)) {
            assertEquals("adain", r.metadata().get("arch"));
            assertTrue(r.has("encoder.51.weight"), "the file holds the encoder to relu5_4");
            assertArrayEquals(new int[] {512, 256, 3, 3}, r.entry("encoder.29.weight").shape());
            assertArrayEquals(new int[] {3, 64, 3, 3}, r.entry("decoder.28.weight").shape());
        }
    }

    @Test void aVggFileIsNotAdaIn(@TempDir Path dir) throws Exception {
        Path vgg = dir.resolve("vgg.safetensors");
        VggWeights.random(VggSpec.of("vgg19").withWidths(new int[] {2, 2, 2, 2, 2}), 1, Preprocess.TORCHVISION).save(vgg);
        WeightsException e = assertThrows(WeightsException.class, () -> AdaInWeights.load(vgg));
        assertEquals(vgg + ": not AdaIN weights (metadata arch='vgg19', expected 'adain'); make them with"
                + " 'nst weights convert vgg_normalised.pth decoder.pth --out FILE'", e.getMessage());
        Path adain = dir.resolve("adain.safetensors");             // the arch is checked before any tensor
        SafeTensors.write(adain, Map.of("arch", "adain", "preprocess", "none", "source", "test"), Map.of("decoder.28.bias", new float[3]),
                Map.of("decoder.28.bias", new int[] {3}));
        e = assertThrows(WeightsException.class, () -> VggWeights.load(adain));
        assertTrue(e.getMessage().startsWith(adain + ": holds AdaIN weights (arch=adain), not VGG"), e.getMessage());
    }

    @Test void wrongShapesAndNamesAreRefusedBeforeReading(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Map<String, String> meta = Map.of("arch", "adain", "preprocess", "none", "source", "test");
        SafeTensors.write(f, meta, Map.of("decoder.1.weight", new float[4]), Map.of("decoder.1.weight", new int[] {2, 2}));
        WeightsException e = assertThrows(WeightsException.class, () -> AdaInWeights.load(f));
        assertEquals(f + ": tensor 'decoder.1.weight' has shape [2, 2], expected [256, 512, 3, 3]", e.getMessage());
        SafeTensors.write(f, meta, Map.of("decoder.2.weight", new float[4]), Map.of("decoder.2.weight", new int[] {4}));
        e = assertThrows(WeightsException.class, () -> AdaInWeights.load(f));
        assertEquals(f + ": unexpected tensor 'decoder.2.weight' (not a conv of AdaIN's vgg or decoder)", e.getMessage());
        SafeTensors.write(f, meta, Map.of("decoder.28.bias", new float[3]), Map.of("decoder.28.bias", new int[] {3}));
        e = assertThrows(WeightsException.class, () -> AdaInWeights.load(f));
        assertTrue(e.getMessage().startsWith(f + ": missing tensors for AdaIN: encoder.0.weight, encoder.0.bias"), e.getMessage());
        SafeTensors.write(f, Map.of("arch", "adain", "preprocess", "caffe", "source", "x"), Map.of("decoder.28.bias", new float[3]),
                Map.of("decoder.28.bias", new int[] {3}));
        e = assertThrows(WeightsException.class, () -> AdaInWeights.load(f));
        assertTrue(e.getMessage().contains("metadata 'preprocess' is 'caffe'"), e.getMessage());
    }
}
