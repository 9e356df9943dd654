package nst.engine.io;

import nst.engine.WeightsException;

/**
 * What a VGG weights file can plausibly hold, in one place for every reader (safetensors here, PyTorch,
 * Keras, MatConvNet and Caffe in the converter): a file that declares more is refused with a message
 * before anything is allocated, decompressed or walked. The bounds are far above the real networks
 * (VGG19's widest conv has 512 channels, its largest conv tensor 512·512·3·3 = 2.4 M values, its largest
 * tensor of all, fc6, 4096·25088 = 103 M) and far below what would exhaust a machine.
 */
public final class WeightsLimits {
    private WeightsLimits() {}

    /** Channels of a conv layer (VGG: at most 512). */
    public static final int MAX_CHANNELS = 4096;
    /** Any one dimension of a conv tensor. */
    public static final int MAX_DIMENSION = MAX_CHANNELS;
    /** Dimensions of a tensor (a conv weight has 4). */
    public static final int MAX_RANK = 8;
    /** Values of one tensor the converter or engine reads (VGG's largest conv: 2.4 M; 128 MiB as float). */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 25;
    /** Values of all conv layers of a network together (VGG19's: 20 M; 256 MiB as float). */
    public static final long MAX_CONV_PARAMETERS = 1L << 26;
    /** Values of one stored array, read or not (fc6 of VGG: 103 M); bounds the arithmetic on sizes. */
    public static final long MAX_STORAGE_ELEMENTS = 1L << 30;
    /** Bytes of all the arrays of a whole file once decompressed (VGG19 with its classifier: 548 MiB). */
    public static final long MAX_INFLATED_BYTES = 1L << 30;
    /** Nesting of containers in a pickled state dict (a real one nests 3 deep). */
    public static final int MAX_NESTING = 32;
    /** Lists, tuples and dicts in a pickled state dict (VGG19's: a few hundred). */
    public static final int MAX_CONTAINERS = 100_000;
    /** Bytes of one integer in a pickle (PyTorch's magic number has 10). */
    public static final int MAX_INTEGER_BYTES = 16;
    /** Bytes of one pickle (a VGG state dict's: tens of KB; the tensors' data lies outside it). */
    public static final long MAX_PICKLE_BYTES = 64L << 20;
    /** Values on a pickle's stack or in its memo at once. */
    public static final int MAX_PICKLE_ITEMS = 1 << 20;

    /**
     * The number of values of a tensor of this shape, or a WeightsException naming {@code what} when a
     * dimension is negative or over {@code maxDimension}, the rank over {@link #MAX_RANK}, or the count
     * over {@link #MAX_TENSOR_ELEMENTS}. Never overflows.
     */
    public static long checkedElements(String what, long[] shape, long maxDimension) {
        if (shape.length > MAX_RANK)
            throw new WeightsException(what + " has " + shape.length + " dimensions; a weights tensor has at most " + MAX_RANK);
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new WeightsException(what + " has a negative dimension " + d);
            if (d > maxDimension)
                throw new WeightsException(what + " has a dimension of " + d + "; no VGG layer has one over " + maxDimension);
            n *= d; // d <= maxDimension and n <= MAX_TENSOR_ELEMENTS before: no overflow for any maxDimension < 2^38
            if (n > MAX_TENSOR_ELEMENTS)
                throw new WeightsException(what + " has shape " + shapeString(shape) + ", more than " + MAX_TENSOR_ELEMENTS
                        + " values; no VGG layer has as many");
        }
        return n;
    }

    public static long checkedElements(String what, int[] shape, long maxDimension) {
        long[] l = new long[shape.length];
        for (int i = 0; i < l.length; i++) l[i] = shape[i];
        return checkedElements(what, l, maxDimension);
    }

    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder();
        for (long d : shape) sb.append(sb.isEmpty() ? "" : "×").append(d);
        return sb.toString();
    }
}
