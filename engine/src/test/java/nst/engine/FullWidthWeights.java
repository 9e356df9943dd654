package nst.engine;

import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The full-width golden's weights, rebuilt bit for bit from the formula in tools/make_fullwidth_golden.py
 * instead of being stored (80 MB). Every step is integer arithmetic or one correctly rounded float32
 * operation, so Java and NumPy give the same bits:
 * <pre>
 *   z_i = splitmix64((id &lt;&lt; 32) + i)            id = 2k+1 (weight) or 2k+2 (bias) of the k-th conv
 *   u_i = (2·(z_i &gt;&gt;&gt; 40) + 1 − 2²⁴) / 2²⁴    exact float32 in (−1, 1)
 *   w_i = u_i · (float) sqrt(6 / (9·C_in)),   b_i = u_i · 0.2f
 * </pre>
 * Leaves out the layers after the fixture's cut.
 */
final class FullWidthWeights {
    private FullWidthWeights() {}

    static final float BIAS_SCALE = 0.2f;

    /** Vigna's splitmix64 finaliser. */
    static long splitmix64(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** n exact float32 values in (−1, 1) of stream {@code id}. */
    static float[] uniform(int id, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = (int) (splitmix64(((long) id << 32) + i) >>> 40);      // top 24 bits
            v[i] = (2 * k + 1 - (1 << 24)) / 16777216f;
        }
        return v;
    }

    static float[] scaled(float[] v, float s) {
        for (int i = 0; i < v.length; i++) v[i] *= s;
        return v;
    }

    /** The convs of {@code spec} up to and including layer {@code cut}. */
    static VggWeights upTo(VggSpec spec, String cut, Preprocess preprocess, String source) {
        Map<String, VggWeights.Conv> convs = new LinkedHashMap<>();
        int k = 0, last = spec.indexOf(cut);
        for (VggSpec.Layer l : spec.layers().subList(0, last + 1)) {
            if (l.kind() != VggSpec.Kind.CONV) continue;
            float scale = (float) Math.sqrt(6.0 / (9 * l.inChannels()));
            float[] w = scaled(uniform(2 * k + 1, l.outChannels() * l.inChannels() * 9), scale);
            float[] b = scaled(uniform(2 * k + 2, l.outChannels()), BIAS_SCALE);
            convs.put(l.name(), new VggWeights.Conv(w, b));
            k++;
        }
        return new VggWeights(spec, preprocess, source, convs);
    }
}
