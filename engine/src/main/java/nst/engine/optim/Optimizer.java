package nst.engine.optim;

/**
 * A minimiser over a float vector, updated in place. Leaves out parameter groups and schedules: style
 * transfer optimises one image.
 */
public interface Optimizer {

    /** Hears each completed iteration; returning false stops the optimisation after it. */
    @FunctionalInterface
    interface IterationListener {
        boolean iterationDone(int iteration, double loss);
    }

    /** Runs up to {@code iterations} iterations from x (updated in place); returns iterations done. */
    int minimize(float[] x, DifferentiableFunction f, int iterations, IterationListener listener);

    String name();
}
