package nst.engine.loss;

import nst.kernels.Backend;
import nst.kernels.Buffer;

/**
 * Normalised gradients, as jcjohnson/neural-style's {@code -normalize_gradients}: wraps a {@link FeatureLoss}
 * so that its gradient enters the backward pass as w · g / (‖g‖₁ + 1e-8), g = dL/dF the unit-weight gradient and
 * w the term's weight (α·w_l or β·w_l). The value is unchanged, so the "gradient" is no longer the loss's
 * gradient. Leaves out other norms.
 */
public final class NormalisedGradient implements FeatureLoss {
    private final FeatureLoss loss;
    private final Backend backend;
    /** w · g before normalisation (C, H, W); shared by every wrapped loss of one objective. */
    private final Buffer scratch;
    /** C·H·W of the wrapped loss's layer. */
    private final int n;

    public NormalisedGradient(FeatureLoss loss, Backend backend, Buffer scratch, int n) {
        this.loss = loss;
        this.backend = backend;
        this.scratch = scratch;
        this.n = n;
    }

    /** The wrapped unit. */
    public FeatureLoss unit() { return loss; }

    @Override
    public double value(Buffer features) { return loss.value(features); }

    /** dF += w · u / (‖u‖₁ + 1e-8·w) with u = w·g computed into the scratch: that is w·g / (‖g‖₁ + 1e-8). */
    @Override
    public void addGradient(Buffer dFeatures, Buffer features, double w) {
        backend.zero(scratch);
        loss.addGradient(scratch, features, w);
        if (w == 0) return;
        double l1 = backend.sumAbs(scratch, n);
        backend.addScaled(dFeatures, scratch, (float) (w / (l1 + 1e-8 * w)), n);
    }

    /** Closes the wrapped unit (the scratch belongs to the objective). */
    @Override
    public void close() { loss.close(); }
}
