package nst.engine.loss;

import nst.kernels.Buffer;

/**
 * A loss on the features F (C, H, W) of one layer: its value L(F) and its gradient dL/dF. The units are
 * {@link ContentLoss}, {@link StyleLoss} and {@link GuidedStyleLoss}; {@link NormalisedGradient} wraps any of
 * them. {@link Objective} weights them and feeds the gradients into the backward pass through the network.
 * Leaves out the layer's weight w_l and the term's weight α or β: the caller applies them.
 */
public interface FeatureLoss extends AutoCloseable {

    /** L(F) for the current features F of the image being optimised (C, H, W). */
    double value(Buffer features);

    /**
     * dF += scale · dL/dF (C, H, W), for the features {@link #value} last saw. Accumulates, as the backend's
     * backward ops do.
     */
    void addGradient(Buffer dFeatures, Buffer features, double scale);

    /** Releases the unit's buffers. */
    @Override void close();
}
