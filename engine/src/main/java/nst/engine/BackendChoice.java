package nst.engine;

import nst.kernels.Backend;
import nst.kernels.Backends;
import nst.kernels.DeviceException;

import java.util.function.Consumer;

/**
 * The backend a transfer runs on: the one the backend option names ("auto" picks by priority), found through
 * {@link Backends}, with the engine's one-line errors; and what the engine does differently by the backend's
 * capabilities. Leaves out finding and ranking backends (the kernels module's {@link Backends}).
 */
public final class BackendChoice {
    private BackendChoice() {}

    /** A new backend for the options; the caller closes it. */
    public static Backend create(StyleOptions o, Consumer<String> notices) {
        try {
            return Backends.create(o.backend(), o.threads(), notices);
        } catch (IllegalArgumentException e) {
            throw new NstException("--backend: " + e.getMessage(), e);
        } catch (DeviceException e) {
            throw StyleTransfer.DeviceFailureException.of(e, "while starting backend " + o.backend());
        }
    }

    /**
     * Whether the Java heap bounds a run on this backend, so the memory estimate is checked against it before
     * anything is allocated: the backend keeps its tensors in Java arrays.
     */
    static boolean heapBound(Backend backend) {
        return backend.memory() == Backend.Memory.JAVA_HEAP;
    }
}
