package nst.engine.network;

import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The buffers a network's plan allocates for one image size and releases together: activations, gradients,
 * scratch. Shared by {@link VggNetwork.Plan} and {@link ResNet50.Plan}; buffers a plan borrows are not in here.
 */
final class PlanBuffers implements AutoCloseable {
    private final Backend backend;
    private final List<Buffer> owned = new ArrayList<>();

    PlanBuffers(Backend backend) {
        this.backend = backend;
    }

    /** A new zero-filled buffer of {@code n} floats, released by {@link #close}. */
    Buffer allocate(int n) {
        Buffer b = backend.allocate(n);
        owned.add(b);
        return b;
    }

    /** Bytes held (4 per float). */
    long bytes() {
        long n = 0;
        for (Buffer b : owned) n += 4L * b.length();
        return n;
    }

    @Override
    public void close() {
        for (Buffer b : owned) b.close();
        owned.clear();
    }
}
