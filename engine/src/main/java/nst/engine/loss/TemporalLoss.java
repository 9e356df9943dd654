package nst.engine.loss;

import nst.engine.image.Image;

/**
 * The short-term temporal loss of Ruder, Dosovitskiy &amp; Brox ("Artistic style transfer for videos", GCPR 2016,
 * arXiv 1604.08610, eq. 7) on the [0,1] RGB image x (3, H, W):
 * <pre>
 *   L_temporal(x) = 1/D · Σ_k c_k · (x_k − ω_k)²,   D = 3·H·W
 *   dL/dx_k       = 2/D · c_k · (x_k − ω_k)
 * </pre>
 * ω: the previous stylized frame warped onto this frame by the backward flow ({@code nst.engine.flow.Warp});
 * c: the per-pixel weights of the forward–backward consistency check ({@code nst.engine.flow.Consistency}), 0 at
 * disocclusions and motion boundaries, shared by the three channels. Computed on the host in double, like
 * {@link TotalVariation}: it is a pass over the image, small next to the network. Leaves out the long-term
 * variant (several past frames) and the multi-pass algorithm (see docs/DESIGN.md).
 */
public final class TemporalLoss {
    private final int width, height;
    private final float[] target;      // ω (3, H, W)
    private final float[] weights;     // c (H, W)

    /**
     * @param warpedPrevious ω, the previous stylized frame warped onto the current one
     * @param weights        c (H × W, row-major), each in [0, 1]
     */
    public TemporalLoss(Image warpedPrevious, float[] weights) {
        this.width = warpedPrevious.width();
        this.height = warpedPrevious.height();
        if (weights.length != width * height)
            throw new IllegalArgumentException(weights.length + " temporal weights for a " + width + "x" + height + " frame");
        for (float c : weights)
            if (!(c >= 0 && c <= 1)) throw new IllegalArgumentException("temporal weight " + c + " is not in [0, 1]");
        this.target = warpedPrevious.rgb().clone();
        this.weights = weights.clone();
    }

    public int width() { return width; }
    public int height() { return height; }

    /** L_temporal of x (3, H, W), unweighted. */
    public double value(float[] x) {
        check(x);
        int n = width * height;
        double sum = 0;
        for (int ch = 0; ch < 3; ch++)
            for (int p = 0; p < n; p++) {
                double d = (double) x[ch * n + p] - target[ch * n + p];
                sum += weights[p] * d * d;
            }
        return sum / (3.0 * n);
    }

    /** Adds λ · dL_temporal/dx into grad (3, H, W) and returns the unweighted L_temporal. */
    public double addGradient(float[] x, float[] grad, double lambda) {
        check(x);
        if (grad.length != x.length) throw new IllegalArgumentException("gradient of " + grad.length + " values for an image of " + x.length);
        int n = width * height;
        double sum = 0, scale = 2 * lambda / (3.0 * n);
        for (int ch = 0; ch < 3; ch++)
            for (int p = 0; p < n; p++) {
                int i = ch * n + p;
                double d = (double) x[i] - target[i];
                sum += weights[p] * d * d;
                grad[i] += (float) (scale * weights[p] * d);
            }
        return sum / (3.0 * n);
    }

    private void check(float[] x) {
        if (x.length != 3 * width * height)
            throw new IllegalArgumentException("image of " + x.length + " values for a temporal loss on " + width + "x" + height);
    }
}
