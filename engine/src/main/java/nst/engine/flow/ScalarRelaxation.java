package nst.engine.flow;

/** The reference Jacobi sweep: the Horn–Schunck update of {@link LinearSystem}, one pixel at a time. */
public final class ScalarRelaxation implements Relaxation {

    @Override
    public void sweep(LinearSystem s, float[] u, float[] v, float[] uOut, float[] vOut) {
        for (int y = 0; y < s.height(); y++)
            for (int x = 0; x < s.width(); x++) relaxPixel(s, u, v, uOut, vOut, x, y);
    }

    /** The update at column x, row y. The arithmetic order is the one {@link SimdRelaxation} repeats lane by lane. */
    static void relaxPixel(LinearSystem s, float[] u, float[] v, float[] uOut, float[] vOut, int x, int y) {
        int w = s.width(), i = y * w + x;
        int left = x > 0 ? i - 1 : i, right = x < w - 1 ? i + 1 : i;
        int up = y > 0 ? i - w : i, down = y < s.height() - 1 ? i + w : i;
        float uBar = ((u[left] + u[right]) + (u[up] + u[down])) * 0.25f;
        float vBar = ((v[left] + v[right]) + (v[up] + v[down])) * 0.25f;
        float r = s.ix()[i] * uBar + s.iy()[i] * vBar + s.c()[i];
        float k = r * s.invD()[i];
        uOut[i] = uBar - s.ix()[i] * k;
        vOut[i] = vBar - s.iy()[i] * k;
    }

    @Override
    public String name() { return "scalar"; }
}
