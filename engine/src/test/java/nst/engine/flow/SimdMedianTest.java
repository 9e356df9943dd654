package nst.engine.flow;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SimdMedianTest {

    /** The network sorts: random arrays of 32 (with repeats) against Arrays.sort. */
    @Test void networkSorts() {
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 2000; t++) {
            float[] a = new float[32];
            for (int i = 0; i < a.length; i++) a[i] = t % 2 == 0 ? r.nextInt(5) : (float) r.nextGaussian();
            float[] expected = a.clone();
            Arrays.sort(expected);
            for (int c = 0; c < SimdMedian.NETWORK.length; c += 2) {
                int lo = SimdMedian.NETWORK[c], hi = SimdMedian.NETWORK[c + 1];
                float min = Math.min(a[lo], a[hi]), max = Math.max(a[lo], a[hi]);
                a[lo] = min;
                a[hi] = max;
            }
            assertArrayEquals(expected, a, "trial " + t);
        }
    }

    /** The same floats as the reference, on odd sizes (vector tails), small sizes (no interior) and ±0 ties. */
    @Test void equalsTheReference() {
        SplittableRandom r = new SplittableRandom(8);
        int[][] sizes = {{1, 1}, {4, 4}, {5, 5}, {6, 7}, {13, 9}, {37, 11}, {64, 6}};
        for (int[] s : sizes) {
            float[] v = new float[s[0] * s[1]];
            for (int i = 0; i < v.length; i++) v[i] = switch (r.nextInt(4)) {
                case 0 -> -0f;
                case 1 -> 0f;
                default -> (float) r.nextDouble(-2, 2);
            };
            Gray g = new Gray(s[0], s[1], v);
            assertArrayEquals(g.median(2).values(), SimdMedian.median5x5(g).values(), "at " + s[0] + "x" + s[1]);
        }
    }
}
