package nst.engine;

import nst.engine.image.ColorTransfer;
import nst.engine.image.Image;
import nst.engine.loss.Objective;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static nst.engine.TransferOption.WeightsKind.PRETRAINED;

/**
 * The artistic controls of a transfer beyond the Gatys loss weights: colour preservation, style scale,
 * spatial masks, coarse-to-fine scales, tiled refinement, an initial image, per-layer gradient
 * normalisation and the memory budget. Defaults change nothing. Leaves out the maths (see
 * {@link ColorTransfer}, {@link Objective}, {@link StyleTransfer}).
 *
 * @param preserveColors     keep the content's colours (luminance-only transfer or histogram matching)
 * @param styleScale         longest side of each style image, relative to the output's longest side at each scale
 * @param masks              one per style image (white = that style's region), or empty for none
 * @param scales             longest sides of a coarse-to-fine schedule, increasing; empty for one scale at the size
 * @param tile               tile size in pixels for tiled refinement at the last scale; 0 for none
 * @param tileIterations     optimiser iterations per tile before the tile offsets shift
 * @param initImage          the image the optimisation starts from (overrides init), or null
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
            return valueOf(TransferOption.PRESERVE_COLORS.parseChoice(s).toUpperCase(Locale.ROOT));
        }
    }

    /** The controls' defaults (the option catalogue's): they change nothing. */
    public static final Controls NONE = new Builder().build();

    public Controls {
        masks = masks == null ? List.of() : List.copyOf(masks);
        scales = scales == null ? new int[0] : scales.clone();
        if (preserveColors == null) preserveColors = ColorPreservation.NONE;
    }

    @Override public int[] scales() { return scales.clone(); }

    /** Checks the controls against the rest of the options; errors name the option ({@link OptionException}). */
    void validate(StyleOptions o) {
        TransferOption.STYLE_SCALE.check(styleScale);
        if (Math.round(o.size() * styleScale) < 16 || (scales.length > 0 && Math.round(scales[0] * styleScale) < 16))
            throw new OptionException(TransferOption.STYLE_SCALE, "{} " + styleScale + " makes the style image smaller than 16 pixels");
        if (!masks.isEmpty()) {
            if (masks.size() != o.styles().size())
                throw new OptionException(TransferOption.MASK, "{}: give one mask per style image (" + masks.size() + " masks for "
                        + o.styles().size() + " styles)");
            if (o.styleBlend() != null && o.styleBlend().length > 0)
                throw new OptionException("{} and {} do not combine: with masks each region takes its own style",
                        TransferOption.MASK, TransferOption.STYLE_BLEND);
            if (tile > 0) throw new OptionException("{} and {} do not combine yet", TransferOption.MASK, TransferOption.TILE);
        }
        for (int i = 0; i < scales.length; i++) {
            TransferOption.SCALES.check(scales[i]);
            if (i > 0 && scales[i] <= scales[i - 1])
                throw new OptionException(TransferOption.SCALES, "{} must increase, got " + Arrays.toString(scales));
        }
        if (scales.length > 0 && scales[scales.length - 1] != o.size())
            throw new OptionException("{}: the last scale (" + scales[scales.length - 1] + ") must equal {} (" + o.size() + ")",
                    TransferOption.SCALES, TransferOption.SIZE);
        TransferOption.TILE.check(tile);
        if (tile != 0 && tile < 32) throw new OptionException(TransferOption.TILE, "{} must be at least 32 pixels (or 0 for none), got " + tile);
        TransferOption.TILE_ITERATIONS.check(tileIterations);
        TransferOption.MEMORY_BUDGET.check(memoryBudget);
    }

    /** Longest side of the style images at a scale whose longest side is {@code scaleSize}: × styleScale, at least 16. */
    public int styleLongest(int scaleSize) {
        return (int) Math.max(16, Math.round(scaleSize * styleScale));
    }

    /** The sizes the transfer runs at: {@link #scales()}, or just {@code size}. */
    public int[] schedule(int size) {
        return scales.length == 0 ? new int[] {size} : scales.clone();
    }

    /** Mutable builder; starts from the option catalogue's defaults ({@link TransferOption}). */
    public static final class Builder {
        ColorPreservation preserveColors = ColorPreservation.of(TransferOption.PRESERVE_COLORS.defaultText(PRETRAINED));
        double styleScale = TransferOption.STYLE_SCALE.parseNumber(TransferOption.STYLE_SCALE.defaultText(PRETRAINED));
        List<Image> masks = List.of();
        int[] scales = new int[0];
        int tile = TransferOption.TILE.parseInt(TransferOption.TILE.defaultText(PRETRAINED));
        int tileIterations = TransferOption.TILE_ITERATIONS.parseInt(TransferOption.TILE_ITERATIONS.defaultText(PRETRAINED));
        Image initImage;
        boolean normalizeGradients = TransferOption.NORMALIZE_GRADIENTS.parseFlag(TransferOption.NORMALIZE_GRADIENTS.defaultText(PRETRAINED));
        long memoryBudget = TransferOption.MEMORY_BUDGET.parseBytes(TransferOption.MEMORY_BUDGET.defaultText(PRETRAINED));

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
