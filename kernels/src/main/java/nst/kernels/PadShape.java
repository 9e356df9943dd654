package nst.kernels;

/**
 * The shape of one reflection padding of (c, h, w) by {@code pad} on every side, output (c, h + 2·pad, w + 2·pad).
 * Reflection needs {@code pad < h} and {@code pad < w} (as PyTorch's {@code ReflectionPad2d}): the mirrored index
 * must land inside the input. Leaves out other padding modes and unequal sides (AdaIN pads by 1 everywhere).
 */
public record PadShape(int c, int h, int w, int pad) {

    public PadShape {
        if (c <= 0 || h <= 0 || w <= 0 || pad < 0)
            throw new IllegalArgumentException("padding sizes must be positive: (" + c + "," + h + "," + w + ") pad=" + pad);
        if (pad >= h || pad >= w)
            throw new IllegalArgumentException("reflection padding " + pad + " needs an input larger than " + pad + "x" + pad
                    + ", got " + h + "x" + w + ": the image is too small for this network");
    }

    public int outH() { return h + 2 * pad; }
    public int outW() { return w + 2 * pad; }
    public int inSize() { return c * h * w; }
    public int outSize() { return c * outH() * outW(); }

    /** The input index that padded index {@code i} (in [−pad, n + pad)) reads: the edge mirrors, it is not repeated. */
    public static int reflect(int i, int n) {
        return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }
}
