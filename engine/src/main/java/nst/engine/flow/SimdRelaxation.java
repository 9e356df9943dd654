package nst.engine.flow;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Jacobi sweep with the Vector API: interior pixels a vector at a time, in the same arithmetic order as
 * {@link ScalarRelaxation#relaxPixel} (no fused multiply-add), so the floats are identical; the border rows and
 * columns and each row's tail go through the scalar update. Single-threaded. Leaves out red-black ordering
 * (faster convergence, but a different method from the reference).
 */
public final class SimdRelaxation implements Relaxation {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Override
    public void sweep(LinearSystem s, float[] u, float[] v, float[] uOut, float[] vOut) {
        int w = s.width(), h = s.height();
        float[] ix = s.ix(), iy = s.iy(), c = s.c(), invD = s.invD();
        for (int y = 0; y < h; y++) {
            if (y == 0 || y == h - 1) {
                for (int x = 0; x < w; x++) ScalarRelaxation.relaxPixel(s, u, v, uOut, vOut, x, y);
                continue;
            }
            ScalarRelaxation.relaxPixel(s, u, v, uOut, vOut, 0, y);
            int x = 1;
            for (; x + F.length() <= w - 1; x += F.length()) {
                int i = y * w + x;
                FloatVector uBar = FloatVector.fromArray(F, u, i - 1).add(FloatVector.fromArray(F, u, i + 1))
                        .add(FloatVector.fromArray(F, u, i - w).add(FloatVector.fromArray(F, u, i + w))).mul(0.25f);
                FloatVector vBar = FloatVector.fromArray(F, v, i - 1).add(FloatVector.fromArray(F, v, i + 1))
                        .add(FloatVector.fromArray(F, v, i - w).add(FloatVector.fromArray(F, v, i + w))).mul(0.25f);
                FloatVector gx = FloatVector.fromArray(F, ix, i), gy = FloatVector.fromArray(F, iy, i);
                FloatVector r = gx.mul(uBar).add(gy.mul(vBar)).add(FloatVector.fromArray(F, c, i));
                FloatVector k = r.mul(FloatVector.fromArray(F, invD, i));
                uBar.sub(gx.mul(k)).intoArray(uOut, i);
                vBar.sub(gy.mul(k)).intoArray(vOut, i);
            }
            for (; x < w; x++) ScalarRelaxation.relaxPixel(s, u, v, uOut, vOut, x, y);
        }
    }

    @Override
    public String name() { return "simd"; }
}
