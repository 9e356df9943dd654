package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.LayerWeight;
import nst.engine.network.Pooling;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Everything one style transfer needs, with the defaults of the command line. Build with
 * {@link #builder()}; {@link #validate()} names the option at fault. Images are given decoded, at any
 * size: the transfer resizes them. Leaves out the choice of output file (the caller writes the result).
 */
public record StyleOptions(
        Image content,
        List<Image> styles,
        double[] styleBlend,
        int size,
        String model,
        Pooling pooling,
        String weights,
        VggWeights weightsData,
        long seed,
        int iterations,
        String optimizer,
        double learningRate,
        int history,
        double contentWeight,
        double styleWeight,
        double tvWeight,
        List<LayerWeight> contentLayers,
        List<LayerWeight> styleLayers,
        Init init,
        int saveEvery,
        String backend,
        int threads,
        Controls controls) {

    /** How the optimised image starts. */
    public enum Init {
        CONTENT, STYLE, NOISE;

        public static Init of(String s) {
            for (Init i : values()) if (i.name().equalsIgnoreCase(s)) return i;
            throw new NstException("--init: unknown value '" + s + "'; known: content, style, noise");
        }
    }

    public static final String DEFAULT_CONTENT_LAYERS = "relu4_2";
    public static final String DEFAULT_STYLE_LAYERS = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1";

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.content = content; b.styles = new ArrayList<>(styles); b.styleBlend = styleBlend; b.size = size; b.model = model;
        b.pooling = pooling; b.weights = weights; b.weightsData = weightsData; b.seed = seed; b.iterations = iterations;
        b.optimizer = optimizer; b.learningRate = learningRate; b.history = history; b.contentWeight = contentWeight;
        b.styleWeight = styleWeight; b.tvWeight = tvWeight; b.contentLayers = contentLayers; b.styleLayers = styleLayers;
        b.init = init; b.saveEvery = saveEvery; b.backend = backend; b.threads = threads;
        b.controls = new Controls.Builder(controls);
        return b;
    }

    /** The blend weights b_k, normalised to sum 1 (equal weights when none were given). */
    public double[] normalisedBlend() {
        int k = styles.size();
        double[] b = styleBlend == null || styleBlend.length == 0 ? filled(k) : styleBlend.clone();
        double sum = Arrays.stream(b).sum();
        for (int i = 0; i < b.length; i++) b[i] /= sum;
        return b;
    }

    private static double[] filled(int k) {
        double[] b = new double[k];
        Arrays.fill(b, 1.0);
        return b;
    }

    /** Checks every option; the error names the option as the command line spells it. */
    public StyleOptions validate() {
        if (content == null) throw new NstException("--content: a content image is required");
        if (styles.isEmpty() && styleWeight != 0) throw new NstException("--style: at least one style image is required");
        if (size < 16) throw new NstException("--size must be at least 16 pixels, got " + size);
        if (size > 16384) throw new NstException("--size must be at most 16384 pixels, got " + size);
        VggSpec.of(model);
        if (iterations < 0) throw new NstException("--iterations must not be negative, got " + iterations);
        if (!optimizer.equals("lbfgs") && !optimizer.equals("adam"))
            throw new NstException("--optimizer: unknown value '" + optimizer + "'; known: lbfgs, adam");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) throw new NstException("--learning-rate must be positive, got " + learningRate);
        if (history < 1) throw new NstException("--history must be at least 1, got " + history);
        checkWeight("--content-weight", contentWeight);
        checkWeight("--style-weight", styleWeight);
        checkWeight("--tv-weight", tvWeight);
        if (saveEvery < 0) throw new NstException("--save-every must not be negative, got " + saveEvery);
        if (styleBlend != null && styleBlend.length > 0) {
            if (styleBlend.length != styles.size())
                throw new NstException("--style-blend has " + styleBlend.length + " weights for " + styles.size() + " style images");
            double sum = 0;
            for (double b : styleBlend) {
                if (!(b >= 0) || Double.isInfinite(b)) throw new NstException("--style-blend weights must be finite and ≥ 0, got " + b);
                sum += b;
            }
            if (!(sum > 0)) throw new NstException("--style-blend weights must not all be 0");
        }
        VggSpec spec = weightsData != null ? weightsData.spec() : VggSpec.of(model);
        for (LayerWeight l : contentLayers) checkLayer(spec, "--content-layers", l.layer());
        for (LayerWeight l : styleLayers) checkLayer(spec, "--style-layers", l.layer());
        if (contentLayers.isEmpty() && styleLayers.isEmpty()) throw new NstException("--content-layers and --style-layers are both empty");
        controls.validate(this);
        return this;
    }

    private static void checkWeight(String option, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) throw new NstException(option + " must be finite and ≥ 0, got " + w);
    }

    private static void checkLayer(VggSpec spec, String option, String layer) {
        try {
            spec.indexOf(layer);
        } catch (NstException e) {
            throw new NstException(option + ": " + e.getMessage());
        }
    }

    /** Mutable builder with the command line's defaults. */
    public static final class Builder {
        private Image content;
        private List<Image> styles = new ArrayList<>();
        private double[] styleBlend;
        private int size = 512;
        private String model = "vgg19";
        private Pooling pooling = Pooling.MAX;
        private String weights = "auto";
        private VggWeights weightsData;
        private long seed = 0;
        private int iterations = 500;
        private String optimizer = "lbfgs";
        private double learningRate = Double.NaN;
        private int history = 100;
        private double contentWeight = Defaults.CONTENT_WEIGHT;
        private double styleWeight = Defaults.STYLE_WEIGHT;
        private double tvWeight = Defaults.TV_WEIGHT;
        private List<LayerWeight> contentLayers = LayerWeight.parseList(DEFAULT_CONTENT_LAYERS, "--content-layers");
        private List<LayerWeight> styleLayers = LayerWeight.parseList(DEFAULT_STYLE_LAYERS, "--style-layers");
        private Init init = Init.CONTENT;
        private int saveEvery = 0;
        private String backend = "auto";
        private int threads = 0;
        private Controls.Builder controls = new Controls.Builder();

        public Builder content(Image v) { content = v; return this; }
        public Builder style(Image v) { styles.add(v); return this; }
        public Builder styles(List<Image> v) { styles = new ArrayList<>(v); return this; }
        public Builder styleBlend(double... v) { styleBlend = v; return this; }
        public Builder size(int v) { size = v; return this; }
        public Builder model(String v) { model = v.toLowerCase(Locale.ROOT); return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        /** A safetensors path, "random" (seeded He-normal) or "auto" (the default location, else random). */
        public Builder weights(String v) { weights = v; return this; }
        /** Already loaded weights (an application that runs many transfers loads them once). */
        public Builder weightsData(VggWeights v) { weightsData = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder iterations(int v) { iterations = v; return this; }
        public Builder optimizer(String v) { optimizer = v.toLowerCase(Locale.ROOT); return this; }
        /** NaN means the optimiser's default: 1 for L-BFGS, 0.02 for Adam. */
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder history(int v) { history = v; return this; }
        public Builder contentWeight(double v) { contentWeight = v; return this; }
        public Builder styleWeight(double v) { styleWeight = v; return this; }
        public Builder tvWeight(double v) { tvWeight = v; return this; }
        public Builder contentLayers(List<LayerWeight> v) { contentLayers = List.copyOf(v); return this; }
        public Builder contentLayers(String v) { return contentLayers(LayerWeight.parseList(v, "--content-layers")); }
        public Builder styleLayers(List<LayerWeight> v) { styleLayers = List.copyOf(v); return this; }
        public Builder styleLayers(String v) { return styleLayers(LayerWeight.parseList(v, "--style-layers")); }
        public Builder init(Init v) { init = v; return this; }
        public Builder saveEvery(int v) { saveEvery = v; return this; }
        public Builder backend(String v) { backend = v; return this; }
        public Builder threads(int v) { threads = v; return this; }

        // ------------------------------------------------------------ artistic controls (see Controls)
        public Builder controls(Controls v) { controls = new Controls.Builder(v); return this; }
        public Builder preserveColors(Controls.ColorPreservation v) { controls.preserveColors = v; return this; }
        public Builder styleScale(double v) { controls.styleScale = v; return this; }
        /** One mask per style image, white where that style applies. */
        public Builder masks(List<Image> v) { controls.masks = v == null ? List.of() : List.copyOf(v); return this; }
        /** Coarse-to-fine sizes, increasing; the last one becomes the output size. */
        public Builder scales(int... v) {
            controls.scales = v == null ? new int[0] : v.clone();
            if (v != null && v.length > 0) size = v[v.length - 1];
            return this;
        }
        public Builder tile(int v) { controls.tile = v; return this; }
        public Builder tileIterations(int v) { controls.tileIterations = v; return this; }
        public Builder initImage(Image v) { controls.initImage = v; return this; }
        public Builder normalizeGradients(boolean v) { controls.normalizeGradients = v; return this; }
        /** Bytes the transfer may use (0: the JVM's maximum heap). */
        public Builder memoryBudget(long v) { controls.memoryBudget = v; return this; }

        public StyleOptions build() {
            double lr = Double.isNaN(learningRate) ? (optimizer.equals("adam") ? 0.02 : 1.0) : learningRate;
            return new StyleOptions(content, List.copyOf(styles), styleBlend, size, model, pooling, weights, weightsData, seed,
                    iterations, optimizer, lr, history, contentWeight, styleWeight, tvWeight, contentLayers, styleLayers,
                    init, saveEvery, backend, threads, controls.build());
        }
    }

    /** Default loss weights for pretrained weights: α = 1, β = 1e6 as PyTorch's neural-style tutorial, which uses our normalisation; see README. */
    public static final class Defaults {
        private Defaults() {}
        public static final double CONTENT_WEIGHT = 1.0;
        public static final double STYLE_WEIGHT = 1e6;
        public static final double TV_WEIGHT = 1e-4;
    }
}
