package nst.engine.optim;

/** A differentiable function of a float vector: returns f(x) and writes ∇f(x) into grad (overwriting it). */
@FunctionalInterface
public interface DifferentiableFunction {
    double evaluate(float[] x, float[] grad);
}
