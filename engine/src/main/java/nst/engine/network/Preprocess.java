package nst.engine.network;

import nst.engine.NstException;

import java.util.Locale;

/**
 * Maps the [0,1] RGB image to what the network was trained on, and gradients back (docs/DESIGN.md):
 * torchvision: (x − mean) / std in RGB; caffe: BGR order, 255·x − mean_bgr. Both are per-channel affine
 * maps, so backward is a per-channel scale (plus the channel swap for caffe).
 */
public enum Preprocess {
    TORCHVISION(new int[] {0, 1, 2}, new float[] {1 / 0.229f, 1 / 0.224f, 1 / 0.225f},
            new float[] {-0.485f / 0.229f, -0.456f / 0.224f, -0.406f / 0.225f}),
    CAFFE(new int[] {2, 1, 0}, new float[] {255f, 255f, 255f}, new float[] {-103.939f, -116.779f, -123.68f});

    /** Net channel k reads image channel source[k]. */
    private final int[] source;
    /** net[k] = scale[k] · x[source[k]] + shift[k]. */
    private final float[] scale, shift;

    Preprocess(int[] source, float[] scale, float[] shift) {
        this.source = source;
        this.scale = scale;
        this.shift = shift;
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static Preprocess of(String id) {
        for (Preprocess p : values()) if (p.id().equals(id)) return p;
        throw new NstException("unknown preprocess '" + id + "'; known: torchvision, caffe");
    }

    /** net (3,H,W) := preprocess(x (3,H,W)). */
    public void forward(float[] net, float[] x, int hw) {
        for (int k = 0; k < 3; k++) {
            int src = source[k] * hw, dst = k * hw;
            float a = scale[k], b = shift[k];
            for (int j = 0; j < hw; j++) net[dst + j] = a * x[src + j] + b;
        }
    }

    /** dx (3,H,W) := (d net / d x)ᵀ · dNet. Overwrites dx. */
    public void backward(float[] dx, float[] dNet, int hw) {
        for (int k = 0; k < 3; k++) {
            int src = k * hw, dst = source[k] * hw;
            float a = scale[k];
            for (int j = 0; j < hw; j++) dx[dst + j] = a * dNet[src + j];
        }
    }
}
