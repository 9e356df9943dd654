package nst.kernels;

/**
 * The shape of one pooling window sweep over (c, h, w): square window {@code k}, stride {@code stride},
 * padding {@code pad} on every side, output size rounded down as in PyTorch's default ({@code ceil_mode=False}):
 * {@code outH = (h + 2·pad − k) / stride + 1}, or up with {@code ceil} ({@code ceil_mode=True}, AdaIN's encoder):
 * {@code outH = ⌈(h + 2·pad − k) / stride⌉ + 1}, less one when the last window would start in the bottom padding
 * (PyTorch's rule), so the last window may hang over the bottom/right edge; the part outside the input is padding. Window (y, x) covers input rows {@code y·stride − pad + ky} and
 * columns {@code x·stride − pad + kx} for ky, kx &lt; k; positions outside the input are padding (what padding
 * means for max and average pooling is in {@link Backend}). As in PyTorch, pad ≤ k/2, so every window holds
 * at least one input position. VGG uses 2×2/2 without padding, ResNet's stem 3×3/2 with padding 1.
 * Average pooling takes only {@code ceil = false} (its divisor for a clipped ceil-mode window is PyTorch's own rule,
 * not needed here: {@link #requireFloor}). Leaves out non-square windows.
 */
public record PoolShape(int c, int h, int w, int k, int stride, int pad, boolean ceil) {

    public PoolShape {
        if (c <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0)
            throw new IllegalArgumentException("pool sizes must be positive: (" + c + "," + h + "," + w + ") k=" + k + " stride=" + stride);
        if (pad < 0 || pad > k / 2)
            throw new IllegalArgumentException("pool padding " + pad + " must be between 0 and half the window " + k + "x" + k);
        if (h + 2 * pad < k || w + 2 * pad < k)
            throw new IllegalArgumentException("pool window " + k + "x" + k + " larger than input " + h + "x" + w
                    + (pad > 0 ? " padded by " + pad : "") + ": the image is too small for this many pooling layers");
    }

    /** A sweep rounding the output size down (PyTorch's default). */
    public PoolShape(int c, int h, int w, int k, int stride, int pad) {
        this(c, h, w, k, stride, pad, false);
    }

    /** An unpadded sweep (VGG's pooling). */
    public PoolShape(int c, int h, int w, int k, int stride) {
        this(c, h, w, k, stride, 0, false);
    }

    /** An unpadded sweep rounding the output size up (AdaIN's encoder: 2×2/2, {@code ceil_mode=True}). */
    public static PoolShape ceil(int c, int h, int w, int k, int stride) {
        return new PoolShape(c, h, w, k, stride, 0, true);
    }

    public int outH() { return outSize(h); }
    public int outW() { return outSize(w); }

    /** PyTorch's {@code pooling_output_shape}: with ceil mode, the last window must start inside the input or left padding. */
    private int outSize(int n) {
        int span = n + 2 * pad - k;
        int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceil && (out - 1) * stride >= n + pad) out--;
        return out;
    }

    /** Refuses a ceil-mode shape for an op that only knows floor mode (average pooling). */
    public void requireFloor(String op) {
        if (ceil) throw new IllegalArgumentException(op + " does not support ceil mode");
    }
    public int inSize() { return c * h * w; }
    public int outSize() { return c * outH() * outW(); }

    /**
     * Bits of one window's argmax in a packed index ({@link Backend#maxPoolForwardWithIndex}): 2 for windows of up
     * to 4 positions (VGG's 2×2), 4 up to 16 (ResNet's 3×3), 8 up to 256.
     */
    public int indexBits() {
        int n = k * k;
        if (n <= 4) return 2;
        if (n <= 16) return 4;
        if (n <= 256) return 8;
        throw new IllegalArgumentException("a packed pooling index holds windows of up to 16x16, not " + k + "x" + k);
    }

    /** Windows per 16-bit index word. */
    public int indexPerWord() { return 16 / indexBits(); }

    /** Floats the packed index of all {@link #outSize} windows takes. */
    public int indexLength() {
        int per = indexPerWord();
        return (int) (((long) outSize() + per - 1) / per);
    }

    /**
     * Index into a (c, h, w) tensor of the first maximum of window (y, x) of channel {@code ch}, in row-major
     * order over the window's input positions (padding never wins); NaN wins, as in PyTorch. The reference
     * every backend's max pooling matches exactly.
     */
    public int argmax(float[] in, int ch, int y, int x) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        int y0 = y * stride - pad, x0 = x * stride - pad;
        for (int iy = Math.max(0, y0); iy < Math.min(h, y0 + k); iy++) {
            int row = (ch * h + iy) * w;
            for (int ix = Math.max(0, x0); ix < Math.min(w, x0 + k); ix++) {
                float v = in[row + ix];
                if (best < 0 || v > bestV || (Float.isNaN(v) && !Float.isNaN(bestV))) {
                    best = row + ix;
                    bestV = v;
                }
            }
        }
        return best;
    }
}
