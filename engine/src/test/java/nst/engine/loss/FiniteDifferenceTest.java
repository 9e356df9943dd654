package nst.engine.loss;

import nst.engine.image.Image;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.HeapBuffer;
import nst.kernels.PoolShape;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every hand-written backward against central finite differences, on tiny shapes. The probe is the
 * scalar reference (double accumulators, float storage); each test's function returns a double, and
 * the difference quotient is formed in double. Linear ops are checked with large steps (exact up to
 * rounding); ReLU and max pooling at points kept away from their kinks and ties.
 */
class FiniteDifferenceTest {
    final Backend b = new ScalarBackend();
    final SplittableRandom rnd = new SplittableRandom(7);

    float[] random(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return v;
    }

    static double dot(float[] a, float[] r) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * r[i];
        return s;
    }

    /** Checks analytic[i] ≈ (f(x + h e_i) − f(x − h e_i)) / 2h at every coordinate (or {@code probes} random ones). */
    void check(String what, float[] x, float[] analytic, ToDoubleFunction<float[]> f, double h, double rtol, int probes) {
        double maxAbs = 0;
        for (float v : analytic) maxAbs = Math.max(maxAbs, Math.abs(v));
        int n = x.length, count = probes <= 0 ? n : Math.min(probes, n);
        double worst = 0;
        for (int k = 0; k < count; k++) {
            int i = probes <= 0 ? k : rnd.nextInt(n);
            float keep = x[i];
            x[i] = (float) (keep + h);
            double fp = f.applyAsDouble(x);
            x[i] = (float) (keep - h);
            double fm = f.applyAsDouble(x);
            x[i] = keep;
            double hEff = ((double) (float) (keep + h) - (float) (keep - h)) / 2;   // the step floats really took
            double numeric = (fp - fm) / (2 * hEff);
            double err = Math.abs(numeric - analytic[i]);
            worst = Math.max(worst, err / (1e-6 * maxAbs + Math.abs(numeric)));
            assertTrue(err <= rtol * Math.abs(numeric) + 1e-4 * maxAbs + 1e-9,
                    what + ": coordinate " + i + " analytic " + analytic[i] + " vs finite difference " + numeric);
        }
        System.out.printf("finite differences %-32s %3d coordinates, worst relative error %.2e%n", what, count, worst);
    }

    @Test void convBackwardDataAndWeights() {
        for (ConvShape s : List.of(ConvShape.vgg3x3(3, 4, 5, 6), new ConvShape(2, 7, 5, 3, 3, 2, 2, 1, 1, 0))) {
            float[] x = random(s.inSize(), 1), w = random(s.weightSize(), 1), bias = random(s.outC(), 1), r = random(s.outSize(), 1);
            // L = <conv(x), r>  ⇒  dL/dx = convᵀ r, dL/dw, dL/db from backward-weights
            ToDoubleFunction<float[]> byX = xx -> {
                Buffer out = b.allocate(s.outSize());
                b.conv2dForward(out, new HeapBuffer(xx), new HeapBuffer(w), new HeapBuffer(bias), s);
                return dot(HeapBuffer.of(out), r);
            };
            Buffer dx = b.allocate(s.inSize());
            b.conv2dBackwardData(dx, new HeapBuffer(r), new HeapBuffer(w), s);
            check("conv backward-data " + s.inC() + "x" + s.inH() + "x" + s.inW(), x, HeapBuffer.of(dx), byX, 0.5, 1e-4, 0);
            Buffer dw = b.allocate(s.weightSize()), db = b.allocate(s.outC());
            b.conv2dBackwardWeights(dw, db, new HeapBuffer(r), new HeapBuffer(x), s);
            check("conv backward-weights", w, HeapBuffer.of(dw), ww -> {
                Buffer out = b.allocate(s.outSize());
                b.conv2dForward(out, new HeapBuffer(x), new HeapBuffer(ww), new HeapBuffer(bias), s);
                return dot(HeapBuffer.of(out), r);
            }, 0.5, 1e-4, 0);
            check("conv backward-bias", bias, HeapBuffer.of(db), bb -> {
                Buffer out = b.allocate(s.outSize());
                b.conv2dForward(out, new HeapBuffer(x), new HeapBuffer(w), new HeapBuffer(bb), s);
                return dot(HeapBuffer.of(out), r);
            }, 0.5, 1e-4, 0);
        }
    }

    @Test void reluBackward() {
        int n = 40;
        float[] x = random(n, 1), r = random(n, 1);
        for (int i = 0; i < n; i++) if (Math.abs(x[i]) < 0.05f) x[i] = 0.3f;   // stay off the kink
        Buffer out = b.allocate(n), dx = b.allocate(n);
        b.reluForward(out, new HeapBuffer(x), n);
        b.reluBackward(dx, new HeapBuffer(r), out, n);
        check("relu", x, HeapBuffer.of(dx), xx -> {
            Buffer o = b.allocate(n);
            b.reluForward(o, new HeapBuffer(xx), n);
            return dot(HeapBuffer.of(o), r);
        }, 1e-2, 1e-4, 0);
    }

    @Test void poolingBackward() {
        PoolShape s = new PoolShape(2, 6, 7, 2, 2);
        // distinct values at least 0.01 apart: a step of 1e-3 never changes a window's argmax
        float[] x = new float[s.inSize()];
        int[] perm = rnd.ints(0, Integer.MAX_VALUE).limit(x.length).toArray();
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < x.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, c) -> Integer.compare(perm[a], perm[c]));
        for (int i = 0; i < x.length; i++) x[order[i]] = 0.01f * i;
        float[] r = random(s.outSize(), 1);
        for (boolean max : new boolean[] {true, false}) {
            ToDoubleFunction<float[]> f = xx -> {
                Buffer o = b.allocate(s.outSize());
                if (max) b.maxPoolForward(o, new HeapBuffer(xx), s);
                else b.avgPoolForward(o, new HeapBuffer(xx), s);
                return dot(HeapBuffer.of(o), r);
            };
            Buffer dx = b.allocate(s.inSize());
            if (max) b.maxPoolBackward(dx, new HeapBuffer(r), new HeapBuffer(x), s);
            else b.avgPoolBackward(dx, new HeapBuffer(r), s);
            check(max ? "max pool" : "avg pool", x, HeapBuffer.of(dx), f, 1e-3, 1e-3, 0);
        }
    }

    @Test void gramBackward() {
        int c = 3, hw = 7;
        float[] f = random(c * hw, 1), r = random(c * c, 1);
        float scale = 1f / (c * hw);
        // L = <G(F), R> with R not symmetric, so both terms of (dG + dGᵀ) are exercised
        ToDoubleFunction<float[]> fn = ff -> {
            Buffer g = b.allocate(c * c);
            b.gram(g, new HeapBuffer(ff), c, hw, scale);
            return dot(HeapBuffer.of(g), r);
        };
        Buffer df = b.allocate(c * hw);
        b.gramBackward(df, new HeapBuffer(r), new HeapBuffer(f), c, hw, scale);
        check("gram", f, HeapBuffer.of(df), fn, 1e-2, 1e-4, 0);
    }

    @Test void gemmIsTheProductItClaims() {
        // gemm has no backward of its own; check C = A·B against the definition through a random functional.
        int m = 3, n = 4, k = 5;
        float[] a = random(m * k, 1), bb = random(k * n, 1), r = random(m * n, 1);
        Buffer c = b.allocate(m * n);
        b.gemm(c, new HeapBuffer(a), new HeapBuffer(bb), m, n, k, false, false, 1f, 0f);
        // d<AB, R>/dA = R Bᵀ, computed with gemm itself (transB) and checked by finite differences
        Buffer dA = b.allocate(m * k);
        b.gemm(dA, new HeapBuffer(r), new HeapBuffer(bb), m, k, n, false, true, 1f, 0f);
        check("gemm dA = R·Bᵀ", a, HeapBuffer.of(dA), aa -> {
            Buffer cc = b.allocate(m * n);
            b.gemm(cc, new HeapBuffer(aa), new HeapBuffer(bb), m, n, k, false, false, 1f, 0f);
            return dot(HeapBuffer.of(cc), r);
        }, 0.5, 1e-5, 0);
    }

    @Test void totalVariation() {
        int h = 4, w = 5;
        float[] x = random(3 * h * w, 1);
        float[] g = new float[x.length];
        TotalVariation.addGradient(x, g, h, w, 1.0);
        check("total variation", x, g, xx -> TotalVariation.value(xx, h, w), 0.25, 1e-5, 0);
    }

    @Test void preprocessingBackward() {
        int hw = 6;
        float[] x = random(3 * hw, 1), r = random(3 * hw, 1);
        for (Preprocess p : Preprocess.values()) {
            float[] dx = new float[x.length];
            p.backward(dx, r, hw);
            check("preprocess " + p.id(), x, dx, xx -> {
                float[] net = new float[xx.length];
                p.forward(net, xx, hw);
                return dot(net, r);
            }, 0.25, 1e-4, 0);
        }
    }

    /**
     * The loss terms themselves (content, style with two blended styles and layer weights, TV) through the
     * objective cut at conv1_1: a linear layer, so L(x) is smooth and every pixel can be checked tightly.
     * (Through ReLUs and max pooling, per-pixel quotients cross kinks; the composition is proven against
     * PyTorch's autograd in GoldenTest instead.)
     */
    @Test void lossTermsThroughALinearLayer() {
        VggSpec spec = VggSpec.vgg19().withWidths(4, 4, 4, 4, 4);
        VggWeights wts = VggWeights.random(spec, 3, Preprocess.CAFFE);
        Image content = new Image(7, 6, random(3 * 7 * 6, 1));
        List<Image> styles = List.of(new Image(5, 8, random(3 * 5 * 8, 1)), new Image(6, 6, random(3 * 6 * 6, 1)));
        double[][] weights = {{3, 0, 0}, {0, 2e-3, 0}, {0, 0, 0.5}, {3, 2e-3, 0.5}};
        String[] names = {"content loss", "style loss", "tv loss", "all terms"};
        for (int k = 0; k < weights.length; k++) {
            Objective.Config cfg = new Objective.Config(LayerWeight.parseList("conv1_1:0.7", "c"), LayerWeight.parseList("conv1_1:1.3", "s"),
                    weights[k][0], weights[k][1], weights[k][2]);
            try (VggNetwork net = new VggNetwork(b, wts, Pooling.MAX);
                 Objective obj = new Objective(net, cfg, content, styles, new double[] {0.25, 0.75})) {
                float[] x = random(3 * 7 * 6, 1);
                float[] g = new float[x.length];
                obj.evaluate(x, g);
                check(names[k] + " (through conv1_1)", x, g, xx -> obj.evaluate(xx, new float[xx.length]).total(), 1e-2, 1e-3, 0);
            }
        }
    }
}
