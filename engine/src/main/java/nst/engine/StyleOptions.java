package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.FeatureTransform;
import nst.engine.loss.LayerWeight;
import nst.engine.network.NetworkWeights;
import nst.engine.network.ResNet50;
import nst.engine.network.Pooling;
import nst.engine.network.VggSpec;
import nst.engine.network.ResNetWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one style transfer needs. Build with {@link #builder()}, which starts from the defaults of the
 * option catalogue ({@link TransferOption}); {@link #validate()} names the option at fault. Images are given decoded, at any
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
        NetworkWeights weightsData,
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
        Controls controls,
        String method,
        double alpha,
        String adainWeights,
        FeatureTransform featureTransform) {

    /** How the optimised image starts. */
    public enum Init {
        CONTENT, STYLE, NOISE,
        /** The AdaIN result (feed-forward, {@link nst.engine.adain.AdaInTransfer}) with the {@code adain-weights}. */
        ADAIN;

        public static Init of(String s) { return valueOf(TransferOption.INIT.parseChoice(s).toUpperCase(Locale.ROOT)); }
    }

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.content = content; b.styles = new ArrayList<>(styles); b.styleBlend = styleBlend; b.size = size; b.model = model;
        b.pooling = pooling; b.weights = weights; b.weightsData = weightsData; b.seed = seed; b.iterations = iterations;
        b.optimizer = optimizer; b.learningRate = learningRate; b.history = history; b.contentWeight = contentWeight;
        b.styleWeight = styleWeight; b.tvWeight = tvWeight; b.contentLayers = contentLayers; b.styleLayers = styleLayers;
        b.init = init; b.saveEvery = saveEvery; b.backend = backend; b.threads = threads;
        b.controls = new Controls.Builder(controls);
        b.method = method; b.alpha = alpha; b.adainWeights = adainWeights;
        b.featureTransform = featureTransform;
        return b;
    }

    /**
     * Whether the weights these options name are pretrained or seeded random: "random" and random
     * {@link #weightsData()} are random, "auto" is pretrained when the default file exists, a path is pretrained.
     */
    public static TransferOption.WeightsKind weightsKind(String weights, NetworkWeights weightsData, String model) {
        if (weightsData != null)
            return weightsData.source().startsWith("random") ? TransferOption.WeightsKind.RANDOM : TransferOption.WeightsKind.PRETRAINED;
        return WeightsLookup.isRandom(weights, model) ? TransferOption.WeightsKind.RANDOM : TransferOption.WeightsKind.PRETRAINED;
    }

    /**
     * An option's value as text that {@link Builder#set} reads back to the same value (numbers as Java prints
     * them); null for options these options do not hold (images, output files) or have not set (style blend, scales).
     */
    public String text(TransferOption option) {
        return switch (option) {
            case SIZE -> Integer.toString(size);
            case WEIGHTS -> weights;
            case MODEL -> model;
            case POOLING -> pooling.name().toLowerCase(Locale.ROOT);
            case ITERATIONS -> Integer.toString(iterations);
            case OPTIMIZER -> optimizer;
            case LEARNING_RATE -> Double.toString(learningRate);
            case HISTORY -> Integer.toString(history);
            case CONTENT_WEIGHT -> Double.toString(contentWeight);
            case STYLE_WEIGHT -> Double.toString(styleWeight);
            case TV_WEIGHT -> Double.toString(tvWeight);
            case CONTENT_LAYERS -> LayerWeight.format(contentLayers);
            case STYLE_LAYERS -> LayerWeight.format(styleLayers);
            case STYLE_BLEND -> styleBlend == null || styleBlend.length == 0 ? null : TransferOption.join(styleBlend);
            case INIT -> init.name().toLowerCase(Locale.ROOT);
            case SEED -> Long.toString(seed);
            case PRESERVE_COLORS -> controls.preserveColors().id();
            case STYLE_SCALE -> Double.toString(controls.styleScale());
            case SCALES -> controls.scales().length == 0 ? null : TransferOption.join(controls.scales());
            case TILE -> Integer.toString(controls.tile());
            case TILE_ITERATIONS -> Integer.toString(controls.tileIterations());
            case NORMALIZE_GRADIENTS -> Boolean.toString(controls.normalizeGradients());
            case SAVE_EVERY -> Integer.toString(saveEvery);
            case THREADS -> Integer.toString(threads);
            case BACKEND -> backend;
            case MEMORY_BUDGET -> Long.toString(controls.memoryBudget());
            case METHOD -> method;
            case ALPHA -> Double.toString(alpha);
            case ADAIN_WEIGHTS -> adainWeights;
            case FEATURE_TRANSFORM -> featureTransform.id();
            case CONTENT, STYLE, MASK, INIT_IMAGE, LOSS_LOG -> null;
        };
    }

    /** Whether these options run AdaIN's feed-forward networks rather than Gatys's optimisation. */
    public boolean adain() { return "adain".equals(method); }

    /**
     * {@link #text} for the options that mean something for this run's method (for recording a run: a Gatys
     * picture does not record alpha, an AdaIN picture no optimiser settings), else null.
     */
    public String recordedText(TransferOption option) {
        if (!option.appliesTo(method)) return null;
        if (option == TransferOption.ADAIN_WEIGHTS && init != Init.ADAIN) return null;
        return text(option);
    }
    /** The network these options run: the given weights' arch, else {@link #model()}. */
    public String arch() { return weightsData != null ? weightsData.arch() : model; }

    /** The optimiser as a type (the option holds its name). */
    public nst.engine.optim.OptimizerKind optimizerKind() {
        return nst.engine.optim.OptimizerKind.of(optimizer);
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

    /** Checks every option against the catalogue's ranges and the rules between them; errors name the option. */
    public StyleOptions validate() {
        if (content == null) throw new OptionException(TransferOption.CONTENT, "{}: a content image is required");
        if (styles.isEmpty() && styleWeight != 0) throw new OptionException(TransferOption.STYLE, "{}: at least one style image is required");
        TransferOption.SIZE.check(size);
        TransferOption.MODEL.parseChoice(model);
        TransferOption.ITERATIONS.check(iterations);
        TransferOption.OPTIMIZER.parseChoice(optimizer);
        TransferOption.LEARNING_RATE.check(learningRate);
        TransferOption.HISTORY.check(history);
        TransferOption.CONTENT_WEIGHT.check(contentWeight);
        TransferOption.STYLE_WEIGHT.check(styleWeight);
        TransferOption.TV_WEIGHT.check(tvWeight);
        TransferOption.SAVE_EVERY.check(saveEvery);
        TransferOption.THREADS.check(threads);
        TransferOption.METHOD.parseChoice(method);
        if (!(alpha >= 0 && alpha <= 1))
            throw new OptionException(TransferOption.ALPHA, "{} must be in [0, 1] (1 = the style's statistics, 0 = the content's), got "
                    + TransferOption.number(alpha));
        if (adain() && styles.isEmpty()) throw new OptionException(TransferOption.STYLE, "{}: AdaIN needs at least one style image");
        if (styleBlend != null && styleBlend.length > 0) {
            if (styleBlend.length != styles.size())
                throw new OptionException(TransferOption.STYLE_BLEND, "{} has " + styleBlend.length + " weights for " + styles.size() + " style images");
            for (double b : styleBlend) TransferOption.STYLE_BLEND.check(b);
            if (!(Arrays.stream(styleBlend).sum() > 0)) throw new OptionException(TransferOption.STYLE_BLEND, "{} weights must not all be 0");
        }
        String arch = weightsData != null ? weightsData.arch() : model;
        List<String> names = layerNames(arch);
        checkLayers(arch, names, TransferOption.CONTENT_LAYERS, contentLayers);
        checkLayers(arch, names, TransferOption.STYLE_LAYERS, styleLayers);
        if (contentLayers.isEmpty() && styleLayers.isEmpty())
            throw new OptionException("{} and {} are both empty", TransferOption.CONTENT_LAYERS, TransferOption.STYLE_LAYERS);
        controls.validate(this);
        return this;
    }

    /**
     * Every layer exists, none is given twice (a repeat is never useful, a larger weight is, and each entry costs a
     * loss term per evaluation: 20,000 repeats would make an iteration 20,000 times as slow), so there are at most
     * as many entries as the network has layers.
     */
    private static void checkLayers(String arch, List<String> names, TransferOption option, List<LayerWeight> layers) {
        if (layers.size() > names.size())
            throw new OptionException(option, "{}: at most " + names.size() + " layers (the layers of the network), got " + layers.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (LayerWeight l : layers) {
            if (!names.contains(l.layer()))
                throw new OptionException(option, "{}: unknown layer '" + l.layer() + "' for " + arch + "; valid layers: " + String.join(",", names));
            if (!seen.add(l.layer()))
                throw new OptionException(option, "{}: " + l.layer() + " is given more than once; give each layer once, with a weight (" + l.layer() + ":2)");
        }
    }

    /** The layer names of a model: VGG's paper names, or ResNet-50's torchvision module names. */
    public static List<String> layerNames(String model) {
        if (ResNetWeights.ARCH.equals(model)) return ResNet50.layerNames();
        return VggSpec.of(model).layers().stream().map(VggSpec.Layer::name).toList();
    }

    /**
     * Mutable builder. It starts from the catalogue's defaults ({@link TransferOption#defaults}); the content layers
     * and the TV weight that are not set explicitly take the defaults for the kind of weights the options name
     * (pretrained or random), decided when {@link #build()} runs.
     */
    public static final class Builder {
        private Image content;
        private List<Image> styles = new ArrayList<>();
        private double[] styleBlend;
        private int size;
        private String model;
        private Pooling pooling;
        private String weights;
        private NetworkWeights weightsData;
        private long seed;
        private int iterations;
        private String optimizer;
        private double learningRate = Double.NaN;          // NaN: the optimiser's default
        private int history;
        private double contentWeight;
        private Double styleWeight;                        // null: the default for the model
        private FeatureTransform featureTransform;         // null: the default for the model
        private double tvWeight = Double.NaN;              // NaN: the default for the weights
        private List<LayerWeight> contentLayers;           // null: the default for the weights
        private List<LayerWeight> styleLayers;             // null: the default for the model
        private Init init;
        private int saveEvery;
        private String backend;
        private int threads;
        private Controls.Builder controls = new Controls.Builder();
        private String method;
        private double alpha;
        private String adainWeights;

        private Builder() {
            TransferOption.defaults(TransferOption.WeightsKind.PRETRAINED).forEach((option, text) -> {
                if (!option.dependsOnModelOrWeights()) set(option, text);
            });
        }

        /**
         * Sets an option from its text as a front end has it (command line, form field, recorded metadata); errors
         * name the option ({@link OptionException}). Images are not text: give them decoded ({@link #content} …).
         */
        public Builder set(TransferOption option, String text) {
            switch (option) {
                case SIZE -> size(option.parseInt(text));
                case WEIGHTS -> weights(text);
                case MODEL -> model(option.parseChoice(text));
                case POOLING -> pooling(Pooling.of(text));
                case ITERATIONS -> iterations(option.parseInt(text));
                case OPTIMIZER -> optimizer(option.parseChoice(text));
                case LEARNING_RATE -> learningRate(option.parseNumber(text));
                case HISTORY -> history(option.parseInt(text));
                case CONTENT_WEIGHT -> contentWeight(option.parseNumber(text));
                case STYLE_WEIGHT -> styleWeight(option.parseNumber(text));
                case TV_WEIGHT -> tvWeight(option.parseNumber(text));
                case CONTENT_LAYERS -> contentLayers(option.parseLayers(text));
                case STYLE_LAYERS -> styleLayers(option.parseLayers(text));
                case STYLE_BLEND -> styleBlend(option.parseNumbers(text));
                case INIT -> init(Init.of(text));
                case SEED -> seed(option.parseLong(text));
                case PRESERVE_COLORS -> preserveColors(Controls.ColorPreservation.of(text));
                case STYLE_SCALE -> styleScale(option.parseNumber(text));
                case SCALES -> scales(option.parseInts(text));
                case TILE -> tile(option.parseInt(text));
                case TILE_ITERATIONS -> tileIterations(option.parseInt(text));
                case NORMALIZE_GRADIENTS -> normalizeGradients(option.parseFlag(text));
                case SAVE_EVERY -> saveEvery(option.parseInt(text));
                case THREADS -> threads(option.parseInt(text));
                case BACKEND -> backend(text);
                case MEMORY_BUDGET -> memoryBudget(option.parseBytes(text));
                case METHOD -> method(option.parseChoice(text));
                case ALPHA -> alpha(option.parseNumber(text));
                case ADAIN_WEIGHTS -> adainWeights(text);
                case FEATURE_TRANSFORM -> featureTransform(FeatureTransform.of(option.parseChoice(text)));
                case CONTENT, STYLE, MASK, INIT_IMAGE, LOSS_LOG ->
                        throw new IllegalArgumentException(option.id() + " is not a StyleOptions value (images are given decoded)");
            }
            return this;
        }

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
        public Builder weightsData(NetworkWeights v) { weightsData = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder iterations(int v) { iterations = v; return this; }
        public Builder optimizer(String v) { optimizer = v.toLowerCase(Locale.ROOT); return this; }
        /** NaN means the optimiser's default ({@link TransferOption#defaultLearningRate}). */
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder history(int v) { history = v; return this; }
        public Builder contentWeight(double v) { contentWeight = v; return this; }
        public Builder styleWeight(double v) { styleWeight = v; return this; }
        /** NaN means the default for the kind of weights. */
        public Builder tvWeight(double v) { tvWeight = v; return this; }
        /** null means the default for the kind of weights. */
        public Builder contentLayers(List<LayerWeight> v) { contentLayers = v == null ? null : List.copyOf(v); return this; }
        public Builder contentLayers(String v) { return contentLayers(TransferOption.CONTENT_LAYERS.parseLayers(v)); }
        /** null means the default for the model. */
        public Builder styleLayers(List<LayerWeight> v) { styleLayers = v == null ? null : List.copyOf(v); return this; }
        /** null means the default for the model: softmax for resnet50, none for VGG. */
        public Builder featureTransform(FeatureTransform v) { featureTransform = v; return this; }
        public Builder styleLayers(String v) { return styleLayers(TransferOption.STYLE_LAYERS.parseLayers(v)); }
        public Builder init(Init v) { init = v; return this; }
        public Builder saveEvery(int v) { saveEvery = v; return this; }
        public Builder backend(String v) { backend = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        /** "gatys" (the optimisation) or "adain" (the feed-forward networks). */
        public Builder method(String v) { method = v.toLowerCase(Locale.ROOT); return this; }
        /** AdaIN's content-style trade-off in [0, 1]. */
        public Builder alpha(double v) { alpha = v; return this; }
        /** The AdaIN weights of {@code --init adain}: a path, "random" or "auto". */
        public Builder adainWeights(String v) { adainWeights = v; return this; }
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
            String arch = weightsData != null ? weightsData.arch() : model;
            Map<TransferOption, String> byWeights = TransferOption.defaults(arch, weightsKind(weights, weightsData, arch));
            double lr = Double.isNaN(learningRate) ? TransferOption.defaultLearningRate(optimizer) : learningRate;
            double tv = Double.isNaN(tvWeight) ? TransferOption.TV_WEIGHT.parseNumber(byWeights.get(TransferOption.TV_WEIGHT)) : tvWeight;
            List<LayerWeight> cl = contentLayers != null ? contentLayers
                    : TransferOption.CONTENT_LAYERS.parseLayers(byWeights.get(TransferOption.CONTENT_LAYERS));
            List<LayerWeight> sl = styleLayers != null ? styleLayers
                    : TransferOption.STYLE_LAYERS.parseLayers(byWeights.get(TransferOption.STYLE_LAYERS));
            double sw = styleWeight == null ? TransferOption.STYLE_WEIGHT.parseNumber(byWeights.get(TransferOption.STYLE_WEIGHT)) : styleWeight;
            FeatureTransform ft = featureTransform != null ? featureTransform
                    : FeatureTransform.of(byWeights.get(TransferOption.FEATURE_TRANSFORM));
            return new StyleOptions(content, List.copyOf(styles), styleBlend, size, model, pooling, weights, weightsData, seed,
                    iterations, optimizer, lr, history, contentWeight, sw, tv, cl, sl,
                    init, saveEvery, backend, threads, controls.build(), method, alpha, adainWeights, ft);
        }
    }
}
