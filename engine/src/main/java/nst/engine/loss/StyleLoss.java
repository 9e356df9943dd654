package nst.engine.loss;

import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;

/**
 * The style loss at one layer (Gatys et al., eqs. 3-5, with our normalisation, docs/DESIGN.md):
 * <pre>
 *   G(F)   = s · F Fᵀ                 F reshaped to (C, HW); s = 1 / (C·HW), the Gram matrix (C, C)
 *   L_s(F) = mean((G − A)²) = Σ_{i,j} (G[i,j] − A[i,j])² / C²
 *   dL/dG  = 2 (G − A) / C²
 *   dL/dF  = s · (dL/dG + dL/dGᵀ) · F  (the Gram backward)
 * </pre>
 * The target A = Σ_k b_k G(F(s_k)) is the blend of the style images' Grams, added one style at a time with
 * {@link #addStyle}. A {@link GuidedStyleLoss} feeds masked features and its own scale s. Leaves out w_l and
 * β (the {@link Objective} applies them).
 */
public final class StyleLoss implements FeatureLoss {
    private final Backend backend;
    private final int c, hw;
    /** s in G = s · F Fᵀ. */
    private final float gramScale;
    /** A, the blended style target (C, C). */
    private final Buffer target;
    /** G(F) of the last {@link #value} (C, C). */
    private final Buffer gram;
    /** dL/dG, scratch of {@link #addGradient} (C, C). */
    private final Buffer dGram;

    /** The plain style loss on C × HW features: s = 1 / (C·HW). */
    public StyleLoss(Backend backend, int channels, int positions) {
        this(backend, channels, positions, 1f / ((float) channels * positions));
    }

    /** A style loss with Gram scale s (a guided Gram divides by C·Σm² instead of C·HW). */
    public StyleLoss(Backend backend, int channels, int positions, float gramScale) {
        this.backend = backend;
        this.c = channels;
        this.hw = positions;
        this.gramScale = gramScale;
        this.target = backend.allocate(c * c);
        this.gram = backend.allocate(c * c);
        this.dGram = backend.allocate(c * c);
    }

    /**
     * A += blend · G(F_s) for one style image's features F_s (C, styleHw) at this layer, with the plain
     * s = 1 / (C·styleHw) (a style image has its own size). {@code scratch} holds at least C² floats.
     */
    public void addStyle(Buffer styleFeatures, int styleHw, float blend, Buffer scratch) {
        backend.gram(scratch, styleFeatures, c, styleHw, 1f / (c * styleHw));
        backend.addScaled(target, scratch, blend, c * c);
    }

    public int channels() { return c; }

    /** A, downloaded (C, C). */
    public float[] target() { return Tensor.download(backend, target, c * c); }

    /** G of the last {@link #value}, downloaded (C, C). */
    public float[] gram() { return Tensor.download(backend, gram, c * c); }

    /** G := s · F Fᵀ; returns mean((G − A)²) over the C² entries. */
    @Override
    public double value(Buffer features) {
        backend.gram(gram, features, c, hw, gramScale);
        return backend.sumSquaredDifference(gram, target, c * c) / ((double) c * c);
    }

    /** dL/dG := scale · 2 (G − A) / C², then dF += s · (dL/dG + dL/dGᵀ) · F. */
    @Override
    public void addGradient(Buffer dFeatures, Buffer features, double scale) {
        backend.zero(dGram);
        backend.addScaledDifference(dGram, gram, target, (float) (2 * scale / ((double) c * c)), c * c);
        backend.gramBackward(dFeatures, dGram, features, c, hw, gramScale);
    }

    @Override
    public void close() {
        target.close();
        gram.close();
        dGram.close();
    }
}
