package nst.engine.flow;

/**
 * The forward–backward consistency check of Ruder, Dosovitskiy &amp; Brox ("Artistic style transfer for videos",
 * GCPR 2016, arXiv 1604.08610, §3.1): per-pixel weights c ∈ {0, 1} for frame i of the temporal loss, 0 where the
 * flow cannot be trusted. With w the forward flow (frame i−1 → i, on frame i−1's grid), ŵ the backward flow
 * (frame i → i−1, on frame i's grid) and w̃(x) = w(x + ŵ(x)) the forward flow warped onto frame i:
 * <ul>
 *   <li><b>disocclusion</b>: |w̃ + ŵ|² &gt; 0.01 (|w̃|² + |ŵ|²) + 0.5 (the two flows do not undo each other);</li>
 *   <li><b>motion boundary</b>: |∇û|² + |∇v̂|² &gt; 0.01 |ŵ|² + 0.002 (the backward flow changes fast), with
 *       central differences (one-sided at the border);</li>
 *   <li>ours, not in the paper: x + ŵ(x) outside frame i−1 (nothing there to compare with).</li>
 * </ul>
 * Any of the three gives 0; all other pixels 1. Leaves out the long-term weights over several past frames.
 */
public final class Consistency {
    private Consistency() {}

    /** The weights c on frame i's grid: 1 where the flow is trusted, 0 where any test fails. */
    public static float[] weights(FlowField forward, FlowField backward) {
        boolean[] occluded = disoccluded(forward, backward), boundary = motionBoundary(backward);
        float[] c = new float[backward.pixels()];
        for (int y = 0; y < backward.height(); y++)
            for (int x = 0; x < backward.width(); x++) {
                int i = backward.index(x, y);
                boolean leaves = !Warp.inside(backward.width(), backward.height(), x + backward.u()[i], y + backward.v()[i]);
                c[i] = occluded[i] || boundary[i] || leaves ? 0f : 1f;
            }
        return c;
    }

    /** |w̃ + ŵ|² &gt; 0.01 (|w̃|² + |ŵ|²) + 0.5 per pixel of frame i, w̃ = forward warped by backward. */
    public static boolean[] disoccluded(FlowField forward, FlowField backward) {
        FlowField warped = Warp.backward(forward, backward);
        boolean[] out = new boolean[backward.pixels()];
        for (int i = 0; i < out.length; i++) {
            float su = warped.u()[i] + backward.u()[i], sv = warped.v()[i] + backward.v()[i];
            float warpedSq = square(warped.u()[i], warped.v()[i]), backwardSq = square(backward.u()[i], backward.v()[i]);
            out[i] = square(su, sv) > 0.01f * (warpedSq + backwardSq) + 0.5f;
        }
        return out;
    }

    /** |∇û|² + |∇v̂|² &gt; 0.01 |ŵ|² + 0.002 per pixel of frame i. */
    public static boolean[] motionBoundary(FlowField backward) {
        int w = backward.width(), h = backward.height();
        boolean[] out = new boolean[backward.pixels()];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = backward.index(x, y);
                float gradientSq = gradientSquared(backward.u(), w, h, x, y) + gradientSquared(backward.v(), w, h, x, y);
                out[i] = gradientSq > 0.01f * square(backward.u()[i], backward.v()[i]) + 0.002f;
            }
        return out;
    }

    /** |∇f|² at (x, y): central differences inside, one-sided at the border, 0 along an axis of size 1. */
    private static float gradientSquared(float[] f, int w, int h, int x, int y) {
        int xl = Math.max(x - 1, 0), xr = Math.min(x + 1, w - 1), yu = Math.max(y - 1, 0), yd = Math.min(y + 1, h - 1);
        float gx = xr == xl ? 0 : (f[y * w + xr] - f[y * w + xl]) / (xr - xl);
        float gy = yd == yu ? 0 : (f[yd * w + x] - f[yu * w + x]) / (yd - yu);
        return gx * gx + gy * gy;
    }

    private static float square(float a, float b) { return a * a + b * b; }
}
