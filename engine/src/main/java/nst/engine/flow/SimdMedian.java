package nst.engine.flow;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 5 × 5 median of {@link Gray#median} with the Vector API, for the pixels whose window lies inside the
 * image: each lane is one pixel; its 25 window values plus 7 pads (3 of −∞, 4 of +∞) are sorted by Batcher's
 * odd–even merge sort network on 32 values, lane-wise min and max with no branch, and the median of the 25 is
 * element 3 + 12 = 15. The border pixels and each row's tail go through {@link Gray#medianAt}. A median is one
 * of the window's values, so both give the same floats (−0 is made +0 on the way in, as in the reference).
 * Single-threaded. Leaves out other radii (they use the reference).
 */
final class SimdMedian {
    private SimdMedian() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length(), SIZE = 32, LOW_PADS = 3, MIDDLE = LOW_PADS + 12;
    /** Comparators (low, high) of the network, flattened: after all of them, a[low] ≤ a[high] for each pair. */
    static final int[] NETWORK = oddEvenMergeSort(SIZE);

    static Gray median5x5(Gray g) {
        int w = g.width(), h = g.height();
        float[] f = g.values(), out = new float[f.length], window = new float[25], lanes = new float[SIZE * VL];
        for (int y = 0; y < h; y++) {
            int x = 0;
            if (y >= 2 && y < h - 2) {
                for (; x < 2; x++) out[y * w + x] = g.medianAt(x, y, 2, window);
                for (; x + VL <= w - 2; x += VL) medianOfLanes(f, w, x, y, lanes).intoArray(out, y * w + x);
            }
            for (; x < w; x++) out[y * w + x] = g.medianAt(x, y, 2, window);
        }
        return new Gray(w, h, out);
    }

    /** The medians of the VL pixels from (x, y) on; {@code lanes} holds element k of every lane at [k·VL, (k+1)·VL). */
    private static FloatVector medianOfLanes(float[] f, int w, int x, int y, float[] lanes) {
        FloatVector low = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), high = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        int k = 0;
        for (; k < LOW_PADS; k++) low.intoArray(lanes, k * VL);
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++) FloatVector.fromArray(F, f, (y + dy) * w + x + dx).add(0f).intoArray(lanes, k++ * VL);
        for (; k < SIZE; k++) high.intoArray(lanes, k * VL);
        for (int c = 0; c < NETWORK.length; c += 2) {
            int a = NETWORK[c] * VL, b = NETWORK[c + 1] * VL;
            FloatVector va = FloatVector.fromArray(F, lanes, a), vb = FloatVector.fromArray(F, lanes, b);
            va.min(vb).intoArray(lanes, a);
            va.max(vb).intoArray(lanes, b);
        }
        return FloatVector.fromArray(F, lanes, MIDDLE * VL);
    }

    /** Batcher's odd–even merge sort network for n (a power of two) inputs, as (low, high) pairs. */
    static int[] oddEvenMergeSort(int n) {
        java.util.List<Integer> pairs = new java.util.ArrayList<>();
        for (int p = 1; p < n; p *= 2)
            for (int k = p; k >= 1; k /= 2)
                for (int j = k % p; j <= n - 1 - k; j += 2 * k)
                    for (int i = 0; i <= Math.min(k - 1, n - j - k - 1); i++)
                        if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
                            pairs.add(i + j);
                            pairs.add(i + j + k);
                        }
        return pairs.stream().mapToInt(Integer::intValue).toArray();
    }
}
