package nst.engine;

import nst.engine.loss.LayerWeight;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The catalogue of a transfer's options: each option's name, type, default, range, help and kind, written
 * once. The command line builds its flags from it, the studio its form fields and the defaults its page shows,
 * {@code --like} its rule of which recorded options it takes, and {@link StyleOptions.Builder} its starting
 * values and its checks. Errors name an option by its {@link #id()} ({@link OptionException}); each front end
 * spells it its own way ({@link #flag()} on the command line, {@link #field()} in the studio's API).
 *
 * <p>Two defaults depend on the weights ({@link #defaults(WeightsKind)}): random VGG weights keep fine detail
 * only in shallow layers, so with them the content comes from relu2_2 and the total-variation weight is lighter.
 * Leaves out the images themselves (the front ends read files and uploads) and each front end's own options
 * (--out, --quiet, the studio's limits).
 */
public enum TransferOption {
    // ---------------------------------------------------------------- inputs: files the front end reads
    CONTENT("content", Kind.INPUT, Type.IMAGE, null, null, "Content image (PNG or JPEG)."),
    STYLE("style", Kind.INPUT, Type.IMAGE, null, null, "Style image; repeat for several styles."),
    MASK("mask", Kind.INPUT, Type.IMAGE, null, null,
            "Region mask for the style of the same position (white = that style); give one per style image."),
    INIT_IMAGE("init-image", Kind.INPUT, Type.IMAGE, null, null, "Start the optimisation from this image (overrides init)."),

    // ---------------------------------------------------------------- what shapes the picture
    METHOD("method", Kind.PICTURE, Type.CHOICE, "gatys", null,
            "Method: 'gatys' optimises the image (minutes); 'adain' is AdaIN's feed-forward encoder and decoder (Huang &"
                    + " Belongie 2017, seconds; --weights then names the AdaIN file).", "gatys", "adain"),
    ALPHA("alpha", Kind.PICTURE, Type.NUMBER, "1", Range.closed(0, 1, ""),
            "AdaIN's content-style trade-off: 1 = the style's statistics, 0 = the content's features (--method adain)."),
    ADAIN_WEIGHTS("adain-weights", Kind.PICTURE, Type.TEXT, "auto", null,
            "AdaIN weights for --init adain: a .safetensors file, 'random' (seeded), or 'auto' (the default location)."),
    SIZE("size", Kind.PICTURE, Type.INT, "512", Range.closed(16, 16384, "pixels"),
            "Longest side of the output in pixels; the content and style images are resized to it."),
    WEIGHTS("weights", Kind.PICTURE, Type.TEXT, "auto", null,
            "Network weights: a .safetensors file, 'random' (seeded He-normal), or 'auto' (the default location, else random)."),
    MODEL("model", Kind.PICTURE, Type.CHOICE, "vgg19", null, "Network.", "vgg19", "vgg16", "resnet50"),
    FEATURE_TRANSFORM("feature-transform", Kind.PICTURE, Type.CHOICE, "none", null,
            "What the losses see of each layer: the activations, or their softmax (SWAG, Wang et al. 2021; default for resnet50).",
            "none", "softmax"),
    POOLING("pooling", Kind.PICTURE, Type.CHOICE, "max", null, "Pooling layers (Gatys et al. prefer avg).", "max", "avg"),
    ITERATIONS("iterations", Kind.PICTURE, Type.INT, "500", Range.closed(0, Integer.MAX_VALUE, ""), "Optimiser iterations."),
    OPTIMIZER("optimizer", Kind.PICTURE, Type.CHOICE, "lbfgs", null, "Optimiser.", "lbfgs", "adam"),
    LEARNING_RATE("learning-rate", Kind.PICTURE, Type.NUMBER, null, Range.POSITIVE,
            "Step size (default: 1 for lbfgs, 0.02 for adam)."),
    HISTORY("history", Kind.PICTURE, Type.INT, "100", Range.closed(1, Integer.MAX_VALUE, ""), "L-BFGS history size."),
    CONTENT_WEIGHT("content-weight", Kind.PICTURE, Type.NUMBER, "1", Range.NON_NEGATIVE, "α, weight of the content loss."),
    STYLE_WEIGHT("style-weight", Kind.PICTURE, Type.NUMBER, "1e6", Range.NON_NEGATIVE, "β, weight of the style loss."),
    TV_WEIGHT("tv-weight", Kind.PICTURE, Type.NUMBER, "1e-4", Range.NON_NEGATIVE,
            "γ, weight of the total-variation loss (a sum over the image: it depends on the size)."),
    CONTENT_LAYERS("content-layers", Kind.PICTURE, Type.LAYERS, "relu4_2", null,
            "Content layers, each with an optional weight: L[:w],..."),
    STYLE_LAYERS("style-layers", Kind.PICTURE, Type.LAYERS, "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1", null,
            "Style layers, each with an optional weight: L[:w],..."),
    STYLE_BLEND("style-blend", Kind.PICTURE, Type.NUMBERS, null, Range.NON_NEGATIVE,
            "Blend weights of the style images, normalised to sum 1 (default: equal)."),
    INIT("init", Kind.PICTURE, Type.CHOICE, "content", null,
            "Starting image ('adain': the AdaIN result, see --adain-weights).", "content", "style", "noise", "adain"),
    SEED("seed", Kind.PICTURE, Type.LONG, "0", null, "Seed of the random weights and noise."),
    PRESERVE_COLORS("preserve-colors", Kind.PICTURE, Type.CHOICE, "none", null,
            "Keep the content's colours: 'luminance' transfers luminance only (YIQ); 'histogram' recolours the style to the"
                    + " content's colour mean and covariance first (Gatys et al. 2017).", "none", "luminance", "histogram"),
    STYLE_SCALE("style-scale", Kind.PICTURE, Type.NUMBER, "1", Range.POSITIVE, "Size of the style images relative to the output."),
    SCALES("scales", Kind.PICTURE, Type.INTS, null, Range.closed(16, 16384, "pixels"),
            "Coarse-to-fine sizes, increasing, e.g. 256,512,1024; the last one is the output size (it overrides size)."),
    TILE("tile", Kind.PICTURE, Type.INT, "0", Range.closed(0, 16384, "pixels"),
            "Refine the last scale in overlapping tiles of this size, at least 32 (0: no tiling)."),
    TILE_ITERATIONS("tile-iterations", Kind.PICTURE, Type.INT, "10", Range.closed(1, Integer.MAX_VALUE, ""),
            "Iterations per tile before the tile grid shifts."),
    NORMALIZE_GRADIENTS("normalize-gradients", Kind.PICTURE, Type.FLAG, "false", null,
            "Divide each loss layer's gradient by its L1 norm before adding it (as neural-style's -normalize_gradients)."),

    // ---------------------------------------------------------------- where the outputs go
    SAVE_EVERY("save-every", Kind.OUTPUT, Type.INT, "0", Range.closed(0, Integer.MAX_VALUE, ""),
            "Write an intermediate image every N iterations next to the output (0: never)."),
    LOSS_LOG("loss-log", Kind.OUTPUT, Type.FILE, null, null, "Write every loss evaluation to this CSV file."),

    // ---------------------------------------------------------------- the machine the run uses
    THREADS("threads", Kind.MACHINE, Type.INT, "0", Range.closed(0, 4096, ""), "Worker threads (0: all cores)."),
    BACKEND("backend", Kind.MACHINE, Type.TEXT, "auto", null, "Compute backend: auto, scalar, simd, opencl[:N]."),
    MEMORY_BUDGET("memory-budget", Kind.MACHINE, Type.BYTES, "0", Range.NON_NEGATIVE,
            "Memory the run may use, e.g. 800m or 4g (0: the JVM's maximum heap); runs that would not fit stop before starting.");

    /** What an option is about; {@code --like} takes only {@link #PICTURE} options (and inputs that are plain files). */
    public enum Kind {
        /** An input file the front end reads (an image). */
        INPUT,
        /** Shapes the picture: the same values give the same image. */
        PICTURE,
        /** Where outputs are written. */
        OUTPUT,
        /** How the machine runs it (threads, backend, memory): the same picture, faster or slower. */
        MACHINE
    }

    /** How an option's text is read. */
    public enum Type { INT, LONG, NUMBER, TEXT, CHOICE, FLAG, LAYERS, NUMBERS, INTS, BYTES, IMAGE, FILE }

    /** Whether the weights are pretrained or seeded random: two defaults depend on it. */
    public enum WeightsKind { PRETRAINED, RANDOM }

    /**
     * An inclusive range of finite numbers (an exclusive lower bound where {@code minExclusive}), with the unit its
     * messages use.
     */
    public record Range(double min, boolean minExclusive, double max, String unit) {
        static final Range POSITIVE = new Range(0, true, Double.POSITIVE_INFINITY, "");
        static final Range NON_NEGATIVE = new Range(0, false, Double.POSITIVE_INFINITY, "");

        static Range closed(double min, double max, String unit) { return new Range(min, false, max, unit); }

        boolean contains(double v) {
            return Double.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max;
        }

        /** "must be at least 16 pixels" and the like, for a value outside the range. */
        String complaint(double v) {
            String u = unit.isEmpty() ? "" : " " + unit;
            if (Double.isNaN(v) || Double.isInfinite(v)) return "must be a finite number";
            if (minExclusive && min == 0 && v <= 0) return "must be positive";
            if (v < min || (minExclusive && v <= min)) return "must be at least " + number(min) + u;
            return "must be at most " + number(max) + u;
        }
    }

    private final String id;
    private final Kind kind;
    private final Type type;
    private final String defaultText;
    private final Range range;
    private final String help;
    private final List<String> choices;

    TransferOption(String id, Kind kind, Type type, String defaultText, Range range, String help, String... choices) {
        this.id = id;
        this.kind = kind;
        this.type = type;
        this.defaultText = defaultText;
        this.range = range;
        this.help = help;
        this.choices = List.of(choices);
    }

    /** The option's name in the catalogue and in engine messages: "learning-rate". */
    public String id() { return id; }
    /** The command line's spelling: "--learning-rate". */
    public String flag() { return "--" + id; }
    /** The studio's form field and JSON name: "learningRate". */
    public String field() {
        StringBuilder b = new StringBuilder();
        for (String part : id.split("-")) b.append(b.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        return b.toString();
    }
    public Kind kind() { return kind; }
    public Type type() { return type; }
    public String help() { return help; }
    /** The values a {@link Type#CHOICE} takes; empty for the other types. */
    public List<String> choices() { return choices; }
    /** The range of a number (each entry of a list), or null for none. */
    public Range range() { return range; }
    /** Whether the option may be given more than once (one image each). */
    public boolean repeatable() { return this == STYLE || this == MASK; }

    /** The option's catalogue entry by its id ("size"), flag ("--size") or field ("learningRate"); null when none. */
    public static TransferOption find(String name) {
        for (TransferOption o : values()) if (o.id.equals(name) || o.flag().equals(name) || o.field().equals(name)) return o;
        return null;
    }

    // ---------------------------------------------------------------- methods

    /** The options AdaIN ({@code --method adain}) takes; any other option given explicitly is a usage error. */
    private static final java.util.Set<TransferOption> ADAIN_OPTIONS = java.util.EnumSet.of(CONTENT, STYLE, MASK, METHOD, ALPHA, SIZE,
            WEIGHTS, STYLE_BLEND, SEED, PRESERVE_COLORS, STYLE_SCALE, THREADS, BACKEND);

    /** Whether this option means something for {@code method} ("gatys" or "adain"): alpha only for AdaIN, the optimiser's only for Gatys. */
    public boolean appliesTo(String method) {
        return "adain".equals(method) ? ADAIN_OPTIONS.contains(this) : this != ALPHA;
    }

    /** The usage error for an option given with a method it means nothing for. */
    public OptionException notFor(String method) {
        return new OptionException(this, "{} means nothing for --method " + method + ("adain".equals(method)
                ? " (AdaIN is one pass through its networks: no optimiser, losses, layers, init or VGG model; its weights are --weights)"
                : " (it is AdaIN's content-style trade-off: --method adain)"));
    }

    // ---------------------------------------------------------------- defaults

    /**
     * The defaults for weights of this kind, as text, for every option that has one. The one place where the
     * weights change a default: random VGG weights keep fine detail only in shallow layers (He, Wang & Hopcroft
     * 2016), so with them the content comes from relu2_2 and total variation weighs 1e-5; without that, a photo
     * turns into a blur.
     */
    public static Map<TransferOption, String> defaults(WeightsKind weights) {
        return defaults("vgg19", weights);
    }

    /**
     * The defaults for a model and a kind of weights. VGG16 and VGG19 share them ({@link #defaults(WeightsKind)}).
     * ResNet-50 has its own layers, after the SWAG authors' code (peiwang062/swag, resnet_swag.py): style at relu,
     * layer1.2, layer2.3, layer3.5 and layer4.2 (the stem and the last block of each stage), content at layer3.5 (for
     * random weights layer1.2: like random VGG, a random ResNet keeps fine detail only in shallow layers); the softmax
     * transform on; the style weight for the softmax-transformed features (see docs/DESIGN.md, ResNet-50).
     */
    public static Map<TransferOption, String> defaults(String model, WeightsKind weights) {
        Map<TransferOption, String> m = new EnumMap<>(TransferOption.class);
        for (TransferOption o : values()) if (o.defaultText != null) m.put(o, o.defaultText);
        if ("resnet50".equals(model)) {
            m.put(STYLE_LAYERS, "relu,layer1.2,layer2.3,layer3.5,layer4.2");
            m.put(CONTENT_LAYERS, weights == WeightsKind.RANDOM ? "layer1.2" : "layer3.5");
            m.put(FEATURE_TRANSFORM, "softmax");
            m.put(STYLE_WEIGHT, RESNET_STYLE_WEIGHT);
            if (weights == WeightsKind.RANDOM) m.put(TV_WEIGHT, "1e-5");
            return m;
        }
        if (weights == WeightsKind.RANDOM) {
            m.put(CONTENT_LAYERS, "relu2_2");
            m.put(TV_WEIGHT, "1e-5");
        }
        return m;
    }

    /** ResNet-50's default style weight β (with the softmax transform's features). */
    static final String RESNET_STYLE_WEIGHT = "1e6";

    /** The models, as {@link #MODEL} lists them. */
    public static List<String> models() { return MODEL.choices; }

    /** This option's default for weights of this kind, or null when it has none (or it depends on other options). */
    public String defaultText(WeightsKind weights) { return defaults(weights).get(this); }

    /** Whether {@link #defaults(WeightsKind)} differ for pretrained and random weights. */
    public boolean dependsOnWeights() {
        return !java.util.Objects.equals(defaultText(WeightsKind.PRETRAINED), defaultText(WeightsKind.RANDOM));
    }

    /** Whether the default differs between models or kinds of weights ({@link #defaults(String, WeightsKind)}). */
    public boolean dependsOnModelOrWeights() {
        String first = defaults(models().get(0), WeightsKind.PRETRAINED).get(this);
        for (String model : models())
            for (WeightsKind k : WeightsKind.values())
                if (!java.util.Objects.equals(first, defaults(model, k).get(this))) return true;
        return false;
    }

    /** The default step size: 1 for L-BFGS (torch.optim.LBFGS's), 0.02 for Adam. */
    public static double defaultLearningRate(String optimizer) { return "adam".equals(optimizer) ? 0.02 : 1.0; }

    /**
     * Starting sizes for a first run that takes minutes rather than the half hour of 512 px × 500 iterations on
     * two cores: {@code nst demo} and the studio's page start from them.
     */
    public static Map<TransferOption, String> quickStart() { return Map.of(SIZE, "384", ITERATIONS, "150"); }

    // ---------------------------------------------------------------- reading text

    /** Reads a whole number; the error names this option. */
    public int parseInt(String text) {
        long v = parseLong(text);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new OptionException(this, "{} must be a whole number, got '" + text + "'");
        check(v);
        return (int) v;
    }

    public long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new OptionException(this, "{} must be a whole number, got '" + text + "'");
        }
    }

    public double parseNumber(String text) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new OptionException(this, "{} must be a number, got '" + text + "'");
        }
        check(v);
        return v;
    }

    public boolean parseFlag(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new OptionException(this, "{} must be true or false, got '" + text + "'");
        };
    }

    /** One of {@link #choices()} (any case), in lower case. */
    public String parseChoice(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        if (!choices.contains(v) && !(this == POOLING && v.equals("average")))
            throw new OptionException(this, "{}: unknown value '" + text + "'; known: " + String.join(", ", choices));
        return v.equals("average") ? "avg" : v;
    }

    /** A comma-separated list of numbers, each in range. */
    public double[] parseNumbers(String text) {
        String[] parts = text.split(",", -1);
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) v[i] = parseNumber(parts[i]);
        return v;
    }

    /** A comma-separated list of whole numbers, each in range. */
    public int[] parseInts(String text) {
        String[] parts = text.split(",", -1);
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) v[i] = parseInt(parts[i]);
        return v;
    }

    /** A list of layers with optional weights, "relu4_2" or "relu3_1:0.5,relu4_1". */
    public List<LayerWeight> parseLayers(String text) {
        try {
            return LayerWeight.parseList(text, "{}");            // its messages start with the option's name
        } catch (OptionException e) {
            throw e;
        } catch (NstException e) {
            throw new OptionException(this, e.getMessage());
        }
    }

    /** A size in bytes: 123, 800k, 800m, 4g (powers of 1024). */
    public long parseBytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t) * mult;
            if (!(v >= 0) || v >= Long.MAX_VALUE) throw new NumberFormatException();
            return (long) v;
        } catch (NumberFormatException e) {
            throw new OptionException(this, "{}: '" + text + "' is not a size (e.g. 800m, 4g)");
        }
    }

    /** Checks a number against this option's range; the error names the option and the value. */
    public void check(double v) {
        if (range != null && !range.contains(v)) throw new OptionException(this, "{} " + range.complaint(v) + ", got " + number(v));
    }

    /** A number as people write it: 16, not 16.0. */
    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Joins numbers with commas as they read back exactly: "1.0,3.5". */
    static String join(double[] v) { return String.join(",", Arrays.stream(v).mapToObj(Double::toString).toList()); }

    static String join(int[] v) { return String.join(",", Arrays.stream(v).mapToObj(Integer::toString).toList()); }
}
