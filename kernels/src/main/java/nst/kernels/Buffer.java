package nst.kernels;

/**
 * Storage owned by a {@link Backend}: a float array on the CPU, a device buffer on an accelerator.
 * Leaves out views and strides: every op addresses a whole buffer from index 0, shapes come with the op.
 */
public interface Buffer extends AutoCloseable {
    /** Number of float elements. */
    int length();

    /** Releases device memory; a no-op for heap storage. Idempotent. */
    @Override
    default void close() {}
}
