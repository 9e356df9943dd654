package nst.kernels;

/**
 * The shape of one pooling window sweep over (c, h, w): square window {@code k}, stride {@code stride},
 * no padding, output size rounded down as in PyTorch's default ({@code ceil_mode=False}).
 * Leaves out padding and ceil mode: VGG uses 2×2 windows with stride 2.
 */
public record PoolShape(int c, int h, int w, int k, int stride) {

    public PoolShape {
        if (c <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0)
            throw new IllegalArgumentException("pool sizes must be positive: (" + c + "," + h + "," + w + ") k=" + k + " stride=" + stride);
        if (h < k || w < k)
            throw new IllegalArgumentException("pool window " + k + "x" + k + " larger than input " + h + "x" + w
                    + ": the image is too small for this many pooling layers");
    }

    public int outH() { return (h - k) / stride + 1; }
    public int outW() { return (w - k) / stride + 1; }
    public int inSize() { return c * h * w; }
    public int outSize() { return c * outH() * outW(); }
}
