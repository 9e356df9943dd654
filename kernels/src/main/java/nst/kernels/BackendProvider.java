package nst.kernels;

/**
 * How a backend is found at run time ({@link java.util.ServiceLoader}): each backend module lists its
 * provider in {@code META-INF/services/nst.kernels.BackendProvider}. Leaves out device selection
 * policy beyond a name suffix ({@code opencl:1}), which the provider interprets.
 */
public interface BackendProvider {
    /** The name {@code --backend} uses (scalar, simd, opencl). */
    String name();

    /** Higher wins under {@code --backend auto}; accelerators rank above SIMD, SIMD above scalar. */
    int priority();

    /** Null when usable here; otherwise why not (shown by {@code nst backends} and under auto). */
    String unavailableReason();

    /**
     * Null when {@code --backend auto} may choose this provider; otherwise why not (one line, shown under auto).
     * By default the same as {@link #unavailableReason()}; an accelerator that is usable but not worth choosing
     * unasked (OpenCL on a CPU-only driver) says so here.
     */
    default String autoSkipReason() { return unavailableReason(); }

    /** Extra lines for {@code nst backends} (platforms, devices); none by default. */
    default java.util.List<String> details() { return java.util.List.of(); }

    /** A new backend. {@code device} is the part after ':' in the name or null; threads ≤ 0 means all cores. */
    Backend create(String device, int threads);
}
