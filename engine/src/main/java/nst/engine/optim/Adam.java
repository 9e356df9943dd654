package nst.engine.optim;

/**
 * Adam (Kingma & Ba, 2015) with bias correction, one evaluation per iteration, as torch.optim.Adam
 * with default betas (0.9, 0.999) and eps 1e-8. Leaves out weight decay and AMSGrad.
 */
public final class Adam implements Optimizer {
    private final double lr, beta1, beta2, eps;

    public Adam(double lr) { this(lr, 0.9, 0.999, 1e-8); }

    public Adam(double lr, double beta1, double beta2, double eps) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive: " + lr);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override public String name() { return "adam"; }

    @Override
    public int minimize(float[] x, DifferentiableFunction f, int iterations, IterationListener listener) {
        int n = x.length;
        float[] g = new float[n], m = new float[n], v = new float[n];   // gradient, first and second moments
        for (int it = 1; it <= iterations; it++) {
            double loss = f.evaluate(x, g);
            double c1 = 1 - Math.pow(beta1, it), c2 = 1 - Math.pow(beta2, it);
            double stepSize = lr / c1, sqrtC2 = Math.sqrt(c2);
            for (int i = 0; i < n; i++) {
                m[i] = (float) (beta1 * m[i] + (1 - beta1) * g[i]);
                v[i] = (float) (beta2 * v[i] + (1 - beta2) * (double) g[i] * g[i]);
                x[i] -= (float) (stepSize * m[i] / (Math.sqrt(v[i]) / sqrtC2 + eps));
            }
            if (listener != null && !listener.iterationDone(it, loss)) return it;
        }
        return iterations;
    }
}
