package nst.engine;

import nst.engine.image.ColorTransfer;
import nst.engine.image.Image;
import nst.engine.loss.Objective;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The artistic controls of a transfer beyond the Gatys loss weights: colour preservation, style scale,
 * spatial masks, coarse-to-fine scales, tiled refinement, an initial image, per-layer gradient
 * normalisation and the memory budget. Defaults change nothing. Leaves out the maths (see
 * {@link ColorTransfer}, {@link Objective}, {@link StyleTransfer}).
 *
 * @param preserveColors     keep the content's colours (luminance-only transfer or histogram matching)
 * @param styleScale         longest side of each style image, relative to the output's longest side at each scale
 * @param masks              one per style image (white = that style's region), or empty for none
 * @param scales             longest sides of a coarse-to-fine schedule, increasing; empty for one scale at --size
 * @param tile               tile size in pixels for tiled refinement at the last scale; 0 for none
 * @param tileIterations     optimiser iterations per tile before the tile offsets shift
 * @param initImage          the image the optimisation starts from (overrides --init), or null
 * @param normalizeGradients divide each loss layer's gradient by its L1 norm (jcjohnson/neural-style)
 * @param memoryBudget       bytes the run may use; 0 for the JVM's maximum heap
 */
public record Controls(ColorPreservation preserveColors, double styleScale, List<Image> masks, int[] scales,
                       int tile, int tileIterations, Image initImage, boolean normalizeGradients, long memoryBudget) {

    /** How the content's colours are kept (Gatys et al. 2017, "Preserving color in neural artistic style transfer"). */
    public enum ColorPreservation {
        /** Plain transfer: the result takes the style's colours. */
        NONE,
        /** Transfer on luminance only; the result's luminance is recombined with the content's chroma (YIQ). */
        LUMINANCE,
        /** The style image is recoloured to the content's colour mean and covariance before the transfer. */
        HISTOGRAM;

        public String id() { return name().toLowerCase(Locale.ROOT); }

        public static ColorPreservation of(String s) {
            for (ColorPreservation c : values()) if (c.id().equalsIgnoreCase(s)) return c;
            throw new NstException("--preserve-colors: unknown value '" + s + "'; known: none, luminance, histogram");
        }
    }

    public static final int DEFAULT_TILE_ITERATIONS = 10;

    public static final Controls NONE = new Controls(ColorPreservation.NONE, 1.0, List.of(), new int[0], 0,
            DEFAULT_TILE_ITERATIONS, null, false, 0);

    public Controls {
        masks = masks == null ? List.of() : List.copyOf(masks);
        scales = scales == null ? new int[0] : scales.clone();
        if (preserveColors == null) preserveColors = ColorPreservation.NONE;
    }

    @Override public int[] scales() { return scales.clone(); }

    /** Checks the controls against the rest of the options; errors name the option. */
    void validate(StyleOptions o) {
        if (!(styleScale > 0) || Double.isInfinite(styleScale)) throw new NstException("--style-scale must be positive, got " + styleScale);
        if (Math.round(o.size() * styleScale) < 16 || (scales.length > 0 && Math.round(scales[0] * styleScale) < 16))
            throw new NstException("--style-scale " + styleScale + " makes the style image smaller than 16 pixels");
        if (!masks.isEmpty()) {
            if (masks.size() != o.styles().size())
                throw new NstException("--mask: give one mask per style image (" + masks.size() + " masks for " + o.styles().size() + " styles)");
            if (o.styleBlend() != null && o.styleBlend().length > 0)
                throw new NstException("--mask and --style-blend do not combine: with masks each region takes its own style");
            if (tile > 0) throw new NstException("--mask and --tile do not combine yet");
        }
        for (int i = 0; i < scales.length; i++) {
            if (scales[i] < 16 || scales[i] > 16384) throw new NstException("--scales: each scale must be 16..16384 pixels, got " + scales[i]);
            if (i > 0 && scales[i] <= scales[i - 1]) throw new NstException("--scales must increase, got " + Arrays.toString(scales));
        }
        if (scales.length > 0 && scales[scales.length - 1] != o.size())
            throw new NstException("--scales: the last scale (" + scales[scales.length - 1] + ") must equal --size (" + o.size() + ")");
        if (tile != 0 && tile < 32) throw new NstException("--tile must be at least 32 pixels (or 0 for none), got " + tile);
        if (tileIterations < 1) throw new NstException("--tile-iterations must be at least 1, got " + tileIterations);
        if (memoryBudget < 0) throw new NstException("--memory-budget must not be negative, got " + memoryBudget);
    }

    /** Longest side of the style images at a scale whose longest side is {@code scaleSize}: × styleScale, at least 16. */
    public int styleLongest(int scaleSize) {
        return (int) Math.max(16, Math.round(scaleSize * styleScale));
    }

    /** The sizes the transfer runs at: {@link #scales()}, or just {@code size}. */
    public int[] schedule(int size) {
        return scales.length == 0 ? new int[] {size} : scales.clone();
    }

    /** Mutable builder; starts from {@link #NONE}. */
    public static final class Builder {
        ColorPreservation preserveColors = ColorPreservation.NONE;
        double styleScale = 1.0;
        List<Image> masks = List.of();
        int[] scales = new int[0];
        int tile = 0;
        int tileIterations = DEFAULT_TILE_ITERATIONS;
        Image initImage;
        boolean normalizeGradients;
        long memoryBudget;

        public Builder() {}

        public Builder(Controls c) {
            preserveColors = c.preserveColors; styleScale = c.styleScale; masks = c.masks; scales = c.scales;
            tile = c.tile; tileIterations = c.tileIterations; initImage = c.initImage;
            normalizeGradients = c.normalizeGradients; memoryBudget = c.memoryBudget;
        }

        public Controls build() {
            return new Controls(preserveColors, styleScale, masks, scales, tile, tileIterations, initImage, normalizeGradients, memoryBudget);
        }
    }
}
