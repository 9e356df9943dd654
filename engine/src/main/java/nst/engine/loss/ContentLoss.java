package nst.engine.loss;

import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;

/**
 * The content loss at one layer (Gatys et al., eq. 1, with our normalisation, docs/DESIGN.md):
 * <pre>
 *   L_c(F) = mean((F − P)²) = Σ_j (F[j] − P[j])² / n,    n = C·H·W,  P = F(c) the content image's features
 *   dL_c/dF = 2 (F − P) / n
 * </pre>
 * Leaves out the layer weight w_l and α (the {@link Objective} applies them).
 */
public final class ContentLoss implements FeatureLoss {
    private final Backend backend;
    /** P = F(c), the content image's features at this layer (C, H, W). */
    private final Buffer target;
    /** n = C·H·W. */
    private final int n;

    /** A loss over n = C·H·W features whose target is set with {@link #setTarget}. */
    public ContentLoss(Backend backend, int n) {
        this.backend = backend;
        this.n = n;
        this.target = backend.allocate(n);
    }

    /** P := the content image's features at this layer (C, H, W). */
    public void setTarget(Buffer contentFeatures) { backend.copy(target, contentFeatures); }

    /** P, downloaded (C, H, W). */
    public float[] target() { return Tensor.download(backend, target, n); }

    public int size() { return n; }

    /** mean((F − P)²). */
    @Override
    public double value(Buffer features) {
        return backend.sumSquaredDifference(features, target, n) / n;
    }

    /** dF += scale · 2 (F − P) / n. */
    @Override
    public void addGradient(Buffer dFeatures, Buffer features, double scale) {
        backend.addScaledDifference(dFeatures, features, target, (float) (2 * scale / n), n);
    }

    @Override
    public void close() { target.close(); }
}
