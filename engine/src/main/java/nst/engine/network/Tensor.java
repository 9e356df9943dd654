package nst.engine.network;

import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.Arrays;

/**
 * One image's activations as an NCHW float32 tensor with N = 1: shape (C, H, W) over a {@link Buffer} that the
 * backend owns (a heap array on the CPU, device memory on an accelerator). The buffer may be longer than
 * C·H·W: the network's planned buffers are shared between layers. Leaves out batches, strides and other dtypes.
 */
public record Tensor(Buffer buffer, int channels, int height, int width) {

    public Tensor {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new IllegalArgumentException("tensor shape must be positive: (" + channels + ", " + height + ", " + width + ")");
        if ((long) channels * height * width > buffer.length())
            throw new IllegalArgumentException("tensor (" + channels + ", " + height + ", " + width + ") does not fit its buffer of "
                    + buffer.length() + " floats");
    }

    /** C·H·W. */
    public int size() { return channels * height * width; }

    /** H·W, the columns of F in the Gram matrix F Fᵀ. */
    public int positions() { return height * width; }

    /** A host copy of the C·H·W values, (C, H, W) row-major. */
    public float[] download(Backend backend) { return download(backend, buffer, size()); }

    /** A host copy of the first n floats of a backend buffer (download moves whole buffers). */
    public static float[] download(Backend backend, Buffer b, int n) {
        float[] all = new float[b.length()];
        backend.download(all, b);
        return n == all.length ? all : Arrays.copyOf(all, n);
    }

    @Override public String toString() { return "(" + channels + ", " + height + ", " + width + ")"; }
}
