package nst.kernels;

/**
 * The shape of one 2-D convolution over a single image: input (inC, inH, inW), weight
 * (outC, inC, kH, kW), zero padding and stride. Output size follows PyTorch:
 * {@code outH = (inH + 2·padH − kH) / strideH + 1}. Leaves out dilation and groups (VGG uses neither).
 */
public record ConvShape(int inC, int inH, int inW, int outC, int kH, int kW,
                        int strideH, int strideW, int padH, int padW) {

    public ConvShape {
        if (inC <= 0 || inH <= 0 || inW <= 0 || outC <= 0 || kH <= 0 || kW <= 0)
            throw new IllegalArgumentException("conv sizes must be positive: " + describe(inC, inH, inW, outC, kH, kW));
        if (strideH <= 0 || strideW <= 0) throw new IllegalArgumentException("conv stride must be positive");
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv padding must not be negative");
        if (inH + 2 * padH < kH || inW + 2 * padW < kW)
            throw new IllegalArgumentException("conv kernel " + kH + "x" + kW + " larger than padded input " + inH + "x" + inW);
    }

    /** The 3×3, stride 1, padding 1 convolution of every VGG layer. */
    public static ConvShape vgg3x3(int inC, int outC, int h, int w) {
        return new ConvShape(inC, h, w, outC, 3, 3, 1, 1, 1, 1);
    }

    public int outH() { return (inH + 2 * padH - kH) / strideH + 1; }
    public int outW() { return (inW + 2 * padW - kW) / strideW + 1; }
    public int inSize() { return inC * inH * inW; }
    public int outSize() { return outC * outH() * outW(); }
    public int weightSize() { return outC * inC * kH * kW; }
    /** Multiply-adds of the forward pass (the same count for backward-data and backward-weights). */
    public long macs() { return (long) outSize() * inC * kH * kW; }

    private static String describe(int inC, int inH, int inW, int outC, int kH, int kW) {
        return "in (" + inC + "," + inH + "," + inW + ") out channels " + outC + " kernel " + kH + "x" + kW;
    }
}
