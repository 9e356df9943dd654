package nst.engine.flow;

/**
 * One Jacobi sweep of the Horn–Schunck iteration ({@link LinearSystem}): reads (u, v), writes (uOut, vOut), every
 * pixel from the old values only, so a sweep's result does not depend on the order pixels are visited in. The
 * neighbour mean replicates the border (a zero normal derivative of the flow there). {@link ScalarRelaxation} is
 * the readable definition; {@link SimdRelaxation} must give the same floats. This is where the flow spends its
 * time (iterations × warps × levels sweeps against a few filters per warp).
 */
public sealed interface Relaxation permits ScalarRelaxation, SimdRelaxation {

    void sweep(LinearSystem system, float[] u, float[] v, float[] uOut, float[] vOut);

    /** The name used in settings and benchmarks: {@code scalar} or {@code simd}. */
    String name();

    /** {@code scalar} (the reference) or {@code simd} (the Vector API, the default). */
    static Relaxation named(String name) {
        return switch (name) {
            case "scalar" -> new ScalarRelaxation();
            case "simd" -> new SimdRelaxation();
            default -> throw new IllegalArgumentException("flow relaxation must be scalar or simd, not '" + name + "'");
        };
    }
}
