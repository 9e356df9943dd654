package nst.kernels;

/**
 * A {@link Buffer} on the Java heap, used by the CPU backends (scalar and Vector API).
 * Leaves out off-heap storage: the CPU kernels index a plain {@code float[]}.
 */
public final class HeapBuffer implements Buffer {
    /** The elements, row-major in whatever shape the op that uses them states. */
    public final float[] data;

    public HeapBuffer(int length) {
        if (length < 0) throw new IllegalArgumentException("negative buffer length " + length);
        this.data = new float[length];
    }

    public HeapBuffer(float[] data) {
        this.data = data;
    }

    @Override
    public int length() {
        return data.length;
    }

    /** The float array behind a buffer of a CPU backend; a clear error for any other storage. */
    public static float[] of(Buffer b) {
        if (b instanceof HeapBuffer h) return h.data;
        throw new IllegalArgumentException("buffer " + b.getClass().getName() + " is not heap storage: it belongs to another backend");
    }
}
