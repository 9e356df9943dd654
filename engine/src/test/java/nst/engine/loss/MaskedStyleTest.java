package nst.engine.loss;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.HeapBuffer;
import nst.kernels.PoolShape;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static nst.engine.ControlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Spatial control with guided Gram matrices (see {@link Objective}'s class comment): exact gradients by
 * finite differences, the all-white mask reducing to the plain loss, mask downsampling matching the
 * network's pooling, and a half/half transfer whose halves each resemble their own style.
 */
class MaskedStyleTest {
    final Backend b = new ScalarBackend();

    /** Left or right half white (soft edge of one pixel when the width is odd). */
    static Image half(int w, int h, boolean left) {
        float[] v = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    float m = 2 * x + 1 < w ? 1f : 2 * x + 1 == w ? 0.5f : 0f;
                    v[(c * h + y) * w + x] = left ? m : 1 - m;
                }
        return new Image(w, h, v);
    }

    @Test void maskedStyleLossGradientMatchesFiniteDifferences() {
        FiniteDifferenceTest fd = new FiniteDifferenceTest();
        VggSpec spec = VggSpec.vgg19().withWidths(4, 4, 4, 4, 4);
        VggWeights wts = VggWeights.random(spec, 3, Preprocess.CAFFE);
        int w = 7, h = 6;
        Image content = new Image(w, h, fd.random(3 * w * h, 1));
        List<Image> styles = List.of(new Image(5, 8, fd.random(3 * 5 * 8, 1)), new Image(6, 6, fd.random(3 * 6 * 6, 1)));
        // soft, overlapping masks with a blank column in the second: every part of the formula is exercised
        float[] m0 = fd.random(3 * w * h, 1), m1 = fd.random(3 * w * h, 1);
        for (int i = 0; i < m0.length; i++) { m0[i] = Math.abs(m0[i]); m1[i] = (i % w == 3) ? 0 : Math.abs(m1[i]); }
        List<Image> masks = List.of(new Image(w, h, m0), new Image(w, h, m1));
        for (boolean normalize : new boolean[] {false, true}) {
            Objective.Config cfg = new Objective.Config(LayerWeight.parseList("conv1_1:0.7", "c"), LayerWeight.parseList("conv1_1:1.3", "s"),
                    normalize ? 0 : 0.5, 2e-3, 0.1, normalize);
            try (VggNetwork net = new VggNetwork(b, wts, Pooling.MAX);
                 Objective obj = new Objective(net, cfg, content, styles, new double[] {0.5, 0.5}, masks)) {
                float[] x = fd.random(3 * w * h, 1);
                float[] g = new float[x.length];
                obj.evaluate(x, g);
                if (!normalize) {
                    fd.check("masked style loss (through conv1_1)", x, g, xx -> obj.evaluate(xx, new float[xx.length]).total(), 1e-2, 1e-3, 0);
                } else {
                    // normalised: the style part of the gradient is β·w·u/(‖u‖₁+1e-8); check its direction against the plain gradient
                    Objective.Config plain = new Objective.Config(cfg.contentLayers(), cfg.styleLayers(), 0, 2e-3, 0, false);
                    try (Objective p = new Objective(net, plain, content, styles, new double[] {0.5, 0.5}, masks)) {
                        float[] gp = new float[x.length];
                        p.evaluate(x, gp);
                        float[] gs = g.clone();
                        float[] tvOnly = new float[x.length];
                        TotalVariation.addGradient(x, tvOnly, h, w, 0.1);
                        for (int i = 0; i < gs.length; i++) gs[i] -= tvOnly[i];
                        double ratio = gs[0] / gp[0], worst = 0;
                        for (int i = 0; i < gs.length; i++) worst = Math.max(worst, Math.abs(gs[i] - ratio * gp[i]));
                        System.out.printf("normalised masked style gradient: ratio %.4g, max deviation %.2e%n", ratio, worst);
                        assertTrue(ratio > 0 && worst < 1e-4 * maxAbs(gs));
                    }
                }
            }
        }
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    @Test void anAllWhiteMaskIsThePlainLoss() {
        Image content = image("tubingen.jpg", 40), style = image("starry_night.jpg", 48);
        float[] x = image("the_scream.jpg", 40).rgb();
        Objective.Config cfg = new Objective.Config(LayerWeight.parseList("relu3_1", "c"), LayerWeight.parseList(STYLE_LAYERS, "s"), 1, 1e4, 1e-3);
        Image white = new Image(9, 7, filled(3 * 9 * 7, 1f));
        try (VggNetwork net = new VggNetwork(b, WEIGHTS, Pooling.MAX);
             Objective plain = new Objective(net, cfg, content, List.of(style), new double[] {1});
             Objective masked = new Objective(net, cfg, content, List.of(style), new double[] {1}, List.of(white))) {
            x = java.util.Arrays.copyOf(x, 3 * content.pixels());
            float[] g1 = new float[x.length], g2 = new float[x.length];
            LossTerms a = plain.evaluate(x, g1), c = masked.evaluate(x, g2);
            System.out.printf("all-white mask: style %.9g vs %.9g, max |Δgrad| %.2e of %.2e%n", c.style(), a.style(), maxAbsDiff(g1, g2), maxAbs(g1));
            assertEquals(a.style(), c.style(), 1e-5 * a.style());
            assertTrue(maxAbsDiff(g1, g2) <= 1e-4 * maxAbs(g1));
        }
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test void maskDownsamplingFollowsTheNetworksPooling() {
        int w = 37, h = 29;
        float[] m = new FiniteDifferenceTest().random(w * h, 1);
        VggSpec spec = SPEC;
        float[] expect = m;
        int hh = h, ww = w;
        for (int block = 1; block <= 4; block++) {          // avg pooling on the backend, one channel
            PoolShape s = new PoolShape(1, hh, ww, 2, 2);
            Buffer out = b.allocate(s.outSize());
            b.avgPoolForward(out, new HeapBuffer(expect), s);
            expect = HeapBuffer.of(out);
            hh /= 2;
            ww /= 2;
        }
        float[] got = GuidedStyleLoss.downsampleMask(spec, m, h, w, spec.indexOf("relu5_1"));
        assertEquals(expect.length, got.length);
        assertTrue(maxAbsDiff(expect, got) < 1e-6);
    }

    /** Two styles, left and right halves: each half's Gram at a style layer is nearer its own style's than the other's. */
    @Test void eachHalfTakesItsOwnStyle() {
        int size = 64;
        Image content = image("tubingen.jpg", 96);
        Image starry = image("starry_night.jpg", 96), scream = image("the_scream.jpg", 96);
        Image c = Images.resizeLongest(content, size);
        List<Image> masks = List.of(half(c.width(), c.height(), true), half(c.width(), c.height(), false));
        StyleOptions o = small(size, 20).content(content).styles(List.of(starry, scream)).masks(masks).build();
        StyleTransfer.Result r = new StyleTransfer().run(o, null, null);
        Objective.Config cfg = new Objective.Config(o.contentLayers(), o.styleLayers(), 1, 1e4, 0);
        try (VggNetwork net = new VggNetwork(b, WEIGHTS, Pooling.MAX);
             Objective obj = new Objective(net, cfg, c, List.of(Images.resizeLongest(starry, size), Images.resizeLongest(scream, size)),
                     new double[] {0.5, 0.5}, masks)) {
            obj.evaluate(r.image().rgb(), new float[r.image().rgb().length]);
            for (String layer : new String[] {"relu1_1", "relu2_1", "relu3_1"}) {
                float[] a0 = obj.regionTarget(layer, 0), a1 = obj.regionTarget(layer, 1);
                float[] g0 = obj.regionGram(layer, 0), g1 = obj.regionGram(layer, 1);
                double own0 = frobenius(g0, a0), other0 = frobenius(g0, a1), own1 = frobenius(g1, a1), other1 = frobenius(g1, a0);
                System.out.printf("masks at %s: left half to starry %.4g vs scream %.4g; right half to scream %.4g vs starry %.4g%n",
                        layer, own0, other0, own1, other1);
                assertTrue(own0 < other0, layer + ": left half is nearer the other style");
                assertTrue(own1 < other1, layer + ": right half is nearer the other style");
            }
        }
    }
}
