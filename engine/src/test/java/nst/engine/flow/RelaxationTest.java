package nst.engine.flow;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** One Jacobi sweep: the Vector API version against the scalar reference, and the reference against the formula. */
class RelaxationTest {

    static LinearSystem randomSystem(int w, int h, SplittableRandom r) {
        int n = w * h;
        float[] ix = new float[n], iy = new float[n], c = new float[n], invD = new float[n];
        for (int i = 0; i < n; i++) {
            ix[i] = (float) r.nextDouble(-0.2, 0.2);
            iy[i] = (float) r.nextDouble(-0.2, 0.2);
            c[i] = (float) r.nextDouble(-0.1, 0.1);
            invD[i] = 1 / (0.0036f + ix[i] * ix[i] + iy[i] * iy[i]);
        }
        return new LinearSystem(w, h, ix, iy, c, invD);
    }

    static float[] random(int n, SplittableRandom r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-3, 3);
        return a;
    }

    @Test void simdSweepEqualsTheReferenceBitForBit() {
        SplittableRandom r = new SplittableRandom(17);
        int[][] sizes = {{1, 1}, {2, 3}, {3, 1}, {1, 5}, {7, 4}, {17, 5}, {18, 3}, {33, 9}, {40, 33}, {65, 2}};
        for (int[] s : sizes) {
            LinearSystem sys = randomSystem(s[0], s[1], r);
            float[] u = random(s[0] * s[1], r), v = random(s[0] * s[1], r);
            float[] us = new float[u.length], vs = new float[u.length], uv = new float[u.length], vv = new float[u.length];
            new ScalarRelaxation().sweep(sys, u, v, us, vs);
            new SimdRelaxation().sweep(sys, u, v, uv, vv);
            assertArrayEquals(us, uv, "u after one sweep at " + s[0] + "x" + s[1]);
            assertArrayEquals(vs, vv, "v after one sweep at " + s[0] + "x" + s[1]);
        }
    }

    /** The reference at an interior and a corner pixel, written out in double from the Horn–Schunck update. */
    @Test void referenceIsTheHornSchunckUpdate() {
        SplittableRandom r = new SplittableRandom(5);
        int w = 5, h = 4;
        LinearSystem s = randomSystem(w, h, r);
        float[] u = random(w * h, r), v = random(w * h, r), uo = new float[w * h], vo = new float[w * h];
        new ScalarRelaxation().sweep(s, u, v, uo, vo);
        // interior (2, 1): the mean of the four neighbours
        int i = w + 2;
        check(s, i, (u[i - 1] + u[i + 1] + u[i - w] + u[i + w]) / 4.0, (v[i - 1] + v[i + 1] + v[i - w] + v[i + w]) / 4.0, uo, vo);
        // corner (0, 0): the missing left and upper neighbours replicate the pixel itself
        check(s, 0, (u[0] + u[1] + u[0] + u[w]) / 4.0, (v[0] + v[1] + v[0] + v[w]) / 4.0, uo, vo);
    }

    static void check(LinearSystem s, int i, double uBar, double vBar, float[] uo, float[] vo) {
        double res = s.ix()[i] * uBar + s.iy()[i] * vBar + s.c()[i];
        double d = 1.0 / s.invD()[i];
        assertEquals(uBar - s.ix()[i] * res / d, uo[i], 1e-5);
        assertEquals(vBar - s.iy()[i] * res / d, vo[i], 1e-5);
    }
}
