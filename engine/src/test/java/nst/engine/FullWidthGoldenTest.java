package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.io.SafeTensors;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import nst.kernels.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VGG19 with all its channels at 224×224 (cut after relu5_1) against PyTorch, on every backend of the suite
 * ({@link TestBackends}): the fast paths (Winograd, the GEMM micro-kernels, the OpenCL tiling) meet the
 * real layer sizes here, which the channel-reduced goldens never reach. The fixture comes from
 * {@code /usr/bin/python3 tools/make_fullwidth_golden.py}; its weights are rebuilt by {@link FullWidthWeights}.
 *
 * <p><b>Tolerances, from float32 error analysis.</b> A float32 dot product of length K has a rounding error
 * of about √K·u·Σ|aᵢbᵢ| (u = 2⁻²⁴, random-walk estimate), i.e. a relative error √K·u·κ with κ = Σ|aᵢbᵢ|/|Σaᵢbᵢ|;
 * through a deep network these compound. Rather than guess K, κ and the compounding for 16 layers, the
 * generator measures them: for every stored quantity q it keeps e_q = ‖q₃₂ − q₆₄‖/‖q₆₄‖, PyTorch's own
 * float32 error against float64 (over the whole tensor). An implementation as accurate as PyTorch's is within
 * e_q of the exact result too, so ‖ours − q₃₂‖ ≤ ‖ours − q₆₄‖ + ‖q₃₂ − q₆₄‖ ≈ (k + 1)·e_q·‖q₆₄‖ for ours k
 * times less accurate. We allow {@link #SLACK} = 16 (Winograd's transforms and float32 partial sums cost up
 * to several times direct summation). The gradient carries every layer's error: its e_q is raised to the
 * largest activation error as a floor. A loss L = mean(D²) with D = G − A amplifies the relative error of G by 2‖G‖/‖D‖ (its condition
 * number, read from the fixture's own values), and a weighted sum's error is the weighted sum of its terms'.
 * A backend that sums a Gram entry's HW non-negative products one after another in float32 is off by about
 * √HW·u (condition 1), which can exceed PyTorch's blocked sums: that estimate is a second floor, without slack.
 * Each array must satisfy the bound norm-wise and element-wise (|oursᵢ − q₃₂ᵢ| ≤ bound·max|q₃₂|, which a
 * wrong border tile or one bad channel breaks even where the norm hides it), except the gradient: its error
 * comes from ReLU and max-pool choices flipped by rounding (see the comment at its check), norm-wise only.
 * Measured margins (ours / bound) are printed for every quantity.
 */
class FullWidthGoldenTest {

    static final String FIXTURE = "vgg19_fullwidth_224";
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_fullwidth_golden.py'";
    /** How many times PyTorch's own float32 error ours may be (see the class comment). */
    static final double SLACK = 16;
    static final double U = Math.ulp(1.0f) / 2;          // unit roundoff of float32, 2⁻²⁴

    static SafeTensors.Reader open() {
        var url = FullWidthGoldenTest.class.getResource("/golden/" + FIXTURE + ".safetensors");
        if (url == null) throw new IllegalStateException("missing fixture " + FIXTURE + "; " + REGENERATE);
        try {
            return SafeTensors.open(Path.of(url.toURI()));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static VggWeights weights(Map<String, String> meta) {
        return FullWidthWeights.upTo(VggSpec.vgg19(), meta.get("cut_layer"), Preprocess.of(meta.get("preprocess")), meta.get("source"));
    }

    @Test void weightsFormulaReproducesPythonBitForBit() {
        try (SafeTensors.Reader f = open()) {
            VggWeights w = weights(f.metadata());
            int checked = 0;
            for (VggSpec.Layer l : w.spec().convLayers()) {
                if (!f.has("check." + l.name() + ".weight")) continue;
                float[] expected = f.floats("check." + l.name() + ".weight"), all = w.conv(l.name()).weight();
                float[] got = new float[expected.length];
                for (int i = 0; i < got.length; i++) got[i] = all[i * 997];
                assertArrayEquals(expected, got, 0f, l.name() + ".weight (every 997th value); " + REGENERATE);
                assertArrayEquals(f.floats("check." + l.name() + ".bias"), w.conv(l.name()).bias(), 0f, l.name() + ".bias");
                checked++;
            }
            assertTrue(checked == 13, "checked " + checked + " convs, expected conv1_1..conv5_1");
        }
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("nst.engine.TestBackends#names")
    void matchesPyTorch(String backendName) {
        try (SafeTensors.Reader f = open(); Backend backend = TestBackends.create(backendName)) {
            Map<String, String> meta = f.metadata();
            double alpha = d(meta, "content_weight"), beta = d(meta, "style_weight"), gamma = d(meta, "tv_weight");
            List<LayerWeight> content = LayerWeight.parseList(meta.get("content_layers"), "content_layers");
            List<LayerWeight> style = LayerWeight.parseList(meta.get("style_layers"), "style_layers");
            Image contentImage = image(f, "input.content");
            float[] x = contentImage.rgb().clone();
            float noise = Float.parseFloat(meta.get("noise_amplitude"));
            float[] u = FullWidthWeights.uniform(Integer.parseInt(meta.get("noise_id")), x.length);
            for (int i = 0; i < x.length; i++) x[i] += noise * u[i];
            float[] grad = new float[x.length];
            Report r = new Report(f, backendName);
            try (VggNetwork net = new VggNetwork(backend, weights(meta), Pooling.of(meta.get("pooling")));
                 Objective obj = new Objective(net, new Objective.Config(content, style, alpha, beta, gamma),
                         contentImage, List.of(image(f, "input.style0")), new double[] {1})) {
                long t0 = System.nanoTime();
                LossTerms t = obj.evaluate(x, grad);
                System.out.printf("full width on %s: one evaluation %.1f s%n", backendName, (System.nanoTime() - t0) / 1e9);

                double actFloor = 0;
                for (LayerWeight l : content) {
                    actFloor = Math.max(actFloor, r.array("act.content." + l.layer(), sub(obj.contentTarget(l.layer()), meta, "act.content." + l.layer()), 0));
                }
                for (String l : union(content, style))
                    actFloor = Math.max(actFloor, r.array("act.x." + l, sub(obj.activation(l), meta, "act.x." + l), 0));

                double[] perLayer = obj.styleLayerLosses();
                double styleSum = 0, styleErr = 0;
                for (int j = 0; j < style.size(); j++) {
                    String l = style.get(j).layer();
                    // A Gram entry sums HW products of non-negative ReLU outputs (condition 1): summed in float32
                    // one after another it is off by about √HW·u (a backend may sum so, e.g. OpenCL's work-items).
                    int side = Integer.parseInt(meta.get("height")) >> (l.charAt(4) - '1');
                    // (The activations' errors mostly average out in a Gram: PyTorch's Gram errors are below its activations'.)
                    double summation = side * U;   // √(HW) = side
                    double eg = r.array("gram.x." + l, obj.styleGram(l), 0, summation, true);
                    double et = r.array("gram.target." + l, sub(obj.styleTarget(l), meta, "gram.target." + l), 0, summation, true);
                    // L = mean(D²), D = G − A: ‖D‖ = C·√L, relative error 2·max(e_G, e_A)·‖G‖/‖D‖.
                    float[] g = f.floats("gram.x." + l);
                    double lossRef = f.scalar("loss.style." + l), c = Math.sqrt(g.length);
                    double el = r.scalar("loss.style." + l, perLayer[j], 2 * Math.max(eg, et) * norm(g) / (c * Math.sqrt(lossRef)));
                    styleSum += style.get(j).weight() * lossRef;
                    styleErr += style.get(j).weight() * lossRef * el;
                }
                double es = r.scalar("loss.style", t.style() / beta, styleErr / styleSum);

                double contentSum = 0, contentErr = 0;
                for (LayerWeight l : content) {
                    // L_c,l = mean(D²), D = F(x) − F(c): relative error 2·e_F·rms(F)/rms(D), rms(D) = √L_c,l.
                    float[] a = f.floats("act.x." + l.layer());
                    double lossLayer = f.scalar("loss.content") / l.weight();   // one content layer in this fixture
                    double ef = Math.max(r.err("act.x." + l.layer()), r.err("act.content." + l.layer()));
                    contentSum += l.weight() * lossLayer;
                    contentErr += l.weight() * lossLayer * 2 * ef * (norm(a) / Math.sqrt(a.length)) / Math.sqrt(lossLayer);
                }
                double ec = r.scalar("loss.content", t.content() / alpha, contentErr / contentSum);
                // TV: a sum of N exact squares of differences of exact inputs; pairwise/blocked summation: log2(N)·u.
                double etv = r.scalar("loss.tv", t.tv() / gamma, Math.log(2.0 * x.length) / Math.log(2) * U);
                double lc = alpha * f.scalar("loss.content"), ls = beta * f.scalar("loss.style"), ltv = gamma * f.scalar("loss.tv");
                r.scalar("loss.total", t.total(), (lc * ec + ls * es + ltv * etv) / (lc + ls + ltv));
                // The gradient passes through every ReLU's and max pool's choice; a pre-activation or a window's
                // runner-up within rounding of the kink flips that choice and moves a whole local contribution, so
                // its float32 error is set by those flips, not by √K·u (PyTorch's: ~1e-3 norm-wise while the
                // activations are ~1e-6), and concentrated on single pixels: checked norm-wise only.
                r.array("grad.total", grad, actFloor, 0, false);
            }
            r.assertAllWithin();
        }
    }

    /** Comparisons of one backend's results with the fixture; collects failures so that all are printed. */
    static final class Report {
        final SafeTensors.Reader f;
        final String backend;
        final List<String> failures = new ArrayList<>();

        Report(SafeTensors.Reader f, String backend) { this.f = f; this.backend = backend; }

        /** PyTorch's own float32 error of {@code q} against float64. */
        double err(String q) { return f.scalar("err." + q); }

        double array(String q, float[] actual, double inheritedFloor) { return array(q, actual, inheritedFloor, 0, true); }

        /**
         * Compares an array: norm-wise, and element-wise when {@code pointwise}. The bound is
         * max(SLACK·max(e_q, inherited), analytic). Returns bound / SLACK, the relative error derived quantities inherit.
         */
        double array(String q, float[] actual, double inheritedFloor, double analytic, boolean pointwiseToo) {
            float[] expected = f.floats(q);
            double bound = Math.max(SLACK * Math.max(err(q), inheritedFloor), analytic), e = bound / SLACK;
            double maxAbs = 0, maxExp = 0, maxRel = 0, diff2 = 0, exp2 = 0;
            for (float v : expected) maxExp = Math.max(maxExp, Math.abs(v));
            for (int i = 0; i < expected.length; i++) {
                double dlt = Math.abs((double) actual[i] - expected[i]);
                maxAbs = Math.max(maxAbs, dlt);
                diff2 += dlt * dlt;
                exp2 += (double) expected[i] * expected[i];
                if (Math.abs(expected[i]) >= 1e-3 * maxExp) maxRel = Math.max(maxRel, dlt / Math.abs(expected[i]));
            }
            double normwise = Math.sqrt(diff2 / exp2), pointwise = maxAbs / maxExp;
            System.out.printf("%-8s %-22s n=%-7d max|diff| %.2e  max rel %.2e  normwise %.2e  max|diff|/max|q| %.2e  (torch f32 err %.2e, bound %.2e)%n",
                    backend, q, expected.length, maxAbs, maxRel, normwise, pointwise, err(q), bound);
            if (actual.length != expected.length) failures.add(q + ": length " + actual.length + " != " + expected.length);
            else if (!(normwise <= bound) || (pointwiseToo && !(pointwise <= bound)))
                failures.add(String.format("%s: normwise %.3e, max|diff|/max|q| %.3e exceed the bound %.2e (%.0f × PyTorch's own float32 error %.2e, "
                        + "the floor inherited, or the summation estimate)", q, normwise, pointwise, bound, SLACK, err(q)));
            return e;
        }

        /** Compares a scalar; {@code derived} is the relative error its inputs' errors imply. Returns the bound before slack. */
        double scalar(String q, double actual, double derived) {
            double expected = f.scalar(q), e = Math.max(err(q), derived), rel = Math.abs(actual - expected) / Math.abs(expected);
            System.out.printf("%-8s %-22s %.9g vs %.9g  rel %.2e  (torch f32 err %.2e, derived %.2e, bound %.2e)%n",
                    backend, q, actual, expected, rel, err(q), derived, SLACK * e);
            if (!(rel <= SLACK * e)) failures.add(String.format("%s: %s vs PyTorch %s, relative %.3e > %.0f × %.2e", q, actual, expected, rel, SLACK, e));
            return e;
        }

        void assertAllWithin() {
            assertTrue(failures.isEmpty(), "full-width VGG19 on " + backend + " differs from PyTorch beyond float32 error:\n  "
                    + String.join("\n  ", failures) + "\n  " + REGENERATE + " if the definitions changed");
        }
    }

    static float[] sub(float[] all, Map<String, String> meta, String tensor) {
        int s = Integer.parseInt(meta.get("stride." + tensor));
        float[] out = new float[(all.length + s - 1) / s];
        for (int i = 0; i < out.length; i++) out[i] = all[i * s];
        return out;
    }

    static List<String> union(List<LayerWeight> a, List<LayerWeight> b) {
        List<String> out = new ArrayList<>();
        for (LayerWeight l : a) if (!out.contains(l.layer())) out.add(l.layer());
        for (LayerWeight l : b) if (!out.contains(l.layer())) out.add(l.layer());
        return out;
    }

    static Image image(SafeTensors.Reader f, String tensor) {
        SafeTensors.Entry e = f.entry(tensor);
        return new Image(e.shape()[2], e.shape()[1], f.floats(tensor));
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    static double d(Map<String, String> meta, String key) { return Double.parseDouble(meta.get(key)); }
}
