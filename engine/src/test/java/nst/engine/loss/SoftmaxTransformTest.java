package nst.engine.loss;

import nst.engine.TestBackends;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SWAG's softmax transform ({@link SoftmaxTransform}): its definition on small hand-checked inputs, its hand-written
 * backward against central finite differences in double precision, on its own and inside a content and a style loss
 * on every backend. (Against PyTorch autograd through the whole network: {@link ResNetLossGoldenTest}.)
 */
class SoftmaxTransformTest {

    @Test void isNTimesTheSoftmaxOfFOverT() {
        float[] x = {0, 10, 20, -5};
        double[] p = new double[4];
        float[] s = new float[4];
        SoftmaxTransform.forward(x, 4, 10, p, s);
        double z = 1 + Math.E + Math.exp(2) + Math.exp(-0.5);
        assertEquals(4 / z, s[0], 1e-6);
        assertEquals(4 * Math.exp(2) / z, s[2], 1e-6);
        double sum = 0;
        for (float v : s) sum += v;
        assertEquals(4, sum, 1e-5, "σ sums to N: its mean is 1");
        SoftmaxTransform.forward(new float[] {1000, 1000}, 2, 1, p, s);       // no overflow: exponentials at F − max F
        assertEquals(1f, s[0]);
    }

    /** The backward of s = N·softmax(x/T) against central differences of a random linear functional Σ g_i s_i. */
    @Test void backwardMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 37;
        for (double t : new double[] {1, 10}) {
            float[] x = new float[n], g = new float[n], dx = new float[n];
            for (int i = 0; i < n; i++) { x[i] = (float) (r.nextDouble() * 30 - 5); g[i] = (float) r.nextGaussian(); }
            double[] p = new double[n];
            SoftmaxTransform.forward(x, n, t, p, new float[n]);
            SoftmaxTransform.backward(p, g, n, t, dx);
            for (int i = 0; i < n; i++) {
                double h = 1e-3 * t;
                double fd = (functional(x, g, i, h, t) - functional(x, g, i, -h, t)) / (2 * h);
                assertEquals(fd, dx[i], 1e-4 * (1 + Math.abs(fd)), "T " + t + " entry " + i);
            }
        }
    }

    /** Σ g_i σ(x + h e_k)_i in double. */
    private static double functional(float[] x, float[] g, int k, double h, double t) {
        int n = x.length;
        double[] y = new double[n];
        double max = Double.NEGATIVE_INFINITY, sum = 0, out = 0;
        for (int i = 0; i < n; i++) { y[i] = x[i] + (i == k ? h : 0); max = Math.max(max, y[i]); }
        for (int i = 0; i < n; i++) sum += Math.exp((y[i] - max) / t);
        for (int i = 0; i < n; i++) out += g[i] * n * Math.exp((y[i] - max) / t) / sum;
        return out;
    }

    static List<String> backends() { return TestBackends.names(); }

    /** Content and style loss on σ(F): dL/dF by the transform's backward against central differences of L(σ(F)). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void lossesThroughTheTransformMatchFiniteDifferences(String backendName) {
        int c = 3, hw = 10, n = c * hw;
        SplittableRandom r = new SplittableRandom(11);
        float[] f = new float[n], target = new float[n];
        for (int i = 0; i < n; i++) { f[i] = (float) (r.nextDouble() * 30); target[i] = (float) (r.nextDouble() * 30); }
        try (Backend b = TestBackends.create(backendName); Backend ref = new ScalarBackend()) {
            for (boolean style : new boolean[] {false, true}) {
                float[] analytic = gradient(b, style, f, target, c, hw);
                for (int i = 0; i < n; i += 3) {
                    double h = 0.05;
                    float[] plus = f.clone(), minus = f.clone();
                    plus[i] += (float) h;
                    minus[i] -= (float) h;
                    double fd = (value(ref, style, plus, target, c, hw) - value(ref, style, minus, target, c, hw)) / (plus[i] - minus[i]);
                    double scale = 1e-3 * (1 + Math.abs(fd)) + 1e-4 * maxAbs(analytic);
                    assertTrue(Math.abs(fd - analytic[i]) <= scale, (style ? "style" : "content") + " entry " + i + ": fd " + fd + " vs " + analytic[i]);
                }
            }
        }
    }

    private static FeatureLoss unit(Backend b, boolean style, float[] target, int c, int hw, SoftmaxTransform[] tr) {
        Buffer t = b.allocate(c * hw);
        b.upload(t, target);
        FeatureLoss u;
        try (SoftmaxTransform st = new SoftmaxTransform(b, c * hw)) {
            if (style) {
                StyleLoss s = new StyleLoss(b, c, hw);
                try (Buffer scratch = b.allocate(c * c)) { s.addStyle(st.forward(t), hw, 1f, scratch); }
                u = s;
            } else {
                ContentLoss cl = new ContentLoss(b, c * hw);
                cl.setTarget(st.forward(t));
                u = cl;
            }
        }
        t.close();
        tr[0] = new SoftmaxTransform(b, c * hw);
        return u;
    }

    private static double value(Backend b, boolean style, float[] f, float[] target, int c, int hw) {
        SoftmaxTransform[] tr = new SoftmaxTransform[1];
        try (FeatureLoss u = unit(b, style, target, c, hw, tr); Buffer fb = b.allocate(c * hw);
             FeatureLoss loss = new SoftmaxTransform.Transformed(u, tr[0])) {
            b.upload(fb, f);
            return loss.value(fb);
        }
    }

    private static float[] gradient(Backend b, boolean style, float[] f, float[] target, int c, int hw) {
        SoftmaxTransform[] tr = new SoftmaxTransform[1];
        try (FeatureLoss u = unit(b, style, target, c, hw, tr); Buffer fb = b.allocate(c * hw); Buffer g = b.allocate(c * hw);
             FeatureLoss loss = new SoftmaxTransform.Transformed(u, tr[0])) {
            b.upload(fb, f);
            loss.value(fb);
            loss.addGradient(g, fb, 1.0);
            float[] out = new float[c * hw];
            b.download(out, g);
            return out;
        }
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }
}
