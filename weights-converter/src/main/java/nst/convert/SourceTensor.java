package nst.convert;

import java.io.IOException;

/**
 * One tensor of a source file, already described in the engine's layout (weights (O, I, 3, 3), bias (O))
 * and read only when the writer reaches it, so a conversion holds one tensor at a time. Leaves out
 * caching: each {@link #read} goes back to the file.
 */
public interface SourceTensor {
    /** Shape in the engine's layout. */
    int[] shape();

    /** The values in the engine's layout (row-major), converted to float. */
    float[] read() throws IOException;

    default long elements() {
        long n = 1;
        for (int d : shape()) n *= d;
        return n;
    }
}
