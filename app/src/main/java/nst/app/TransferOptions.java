package nst.app;

import nst.engine.Controls;
import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.LayerWeight;
import nst.engine.network.Pooling;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The transfer options shared by {@code stylize} and {@code demo}; defaults are StyleOptions'. */
final class TransferOptions {
    @Option(names = "--size", description = "Longest side of the output in pixels (default: ${DEFAULT-VALUE}).")
    int size = 512;

    @Option(names = "--weights", paramLabel = "PATH|random|auto",
            description = "VGG weights: a .safetensors file, 'random' (seeded He-normal), or 'auto' (the default location, else random). Default: ${DEFAULT-VALUE}.")
    String weights = "auto";

    @Option(names = "--model", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE}).")
    String model = "vgg19";

    @Option(names = "--pooling", description = "max or avg (default: ${DEFAULT-VALUE}).")
    String pooling = "max";

    @Option(names = "--iterations", description = "Optimiser iterations (default: ${DEFAULT-VALUE}).")
    int iterations = 500;

    @Option(names = "--optimizer", description = "lbfgs or adam (default: ${DEFAULT-VALUE}).")
    String optimizer = "lbfgs";

    @Option(names = "--learning-rate", description = "Step size (default: 1 for lbfgs, 0.02 for adam).")
    Double learningRate;

    @Option(names = "--history", description = "L-BFGS history size (default: ${DEFAULT-VALUE}).")
    int history = 100;

    @Option(names = "--content-weight", description = "α (default: ${DEFAULT-VALUE}).")
    double contentWeight = StyleOptions.Defaults.CONTENT_WEIGHT;

    @Option(names = "--style-weight", description = "β (default: ${DEFAULT-VALUE}).")
    double styleWeight = StyleOptions.Defaults.STYLE_WEIGHT;

    @Option(names = "--tv-weight", description = "γ, total variation (default: ${DEFAULT-VALUE}).")
    double tvWeight = StyleOptions.Defaults.TV_WEIGHT;

    @Option(names = "--content-layers", paramLabel = "L[:w],...", description = "Content layers (default: ${DEFAULT-VALUE}).")
    String contentLayers = StyleOptions.DEFAULT_CONTENT_LAYERS;

    @Option(names = "--style-layers", paramLabel = "L[:w],...", description = "Style layers (default: ${DEFAULT-VALUE}).")
    String styleLayers = StyleOptions.DEFAULT_STYLE_LAYERS;

    @Option(names = "--style-blend", split = ",", paramLabel = "W", description = "Blend weights of the style images (normalised to sum 1).")
    double[] styleBlend;

    @Option(names = "--init", description = "content, style or noise (default: ${DEFAULT-VALUE}).")
    String init = "content";

    @Option(names = "--seed", description = "Seed for random weights and noise (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--save-every", paramLabel = "N", description = "Write an intermediate image every N iterations next to the output (0: never).")
    int saveEvery = 0;

    @Option(names = "--loss-log", paramLabel = "CSV", description = "Write every loss evaluation to this CSV file.")
    Path lossLog;

    @Option(names = "--threads", description = "Worker threads (default: all cores).")
    int threads = 0;

    @Option(names = "--backend", description = "auto, scalar, simd, opencl[:N] (default: ${DEFAULT-VALUE}).")
    String backend = "auto";

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    // ---------------------------------------------------------------- artistic controls (engine: nst.engine.Controls)

    @Option(names = "--preserve-colors", paramLabel = "none|luminance|histogram",
            description = "Keep the content's colours: 'luminance' transfers luminance only and keeps the content's chroma (YIQ); "
                    + "'histogram' recolours the style to the content's colour mean and covariance first (Gatys et al. 2017). Default: ${DEFAULT-VALUE}.")
    String preserveColors = "none";

    @Option(names = "--original-colors", description = "Same as --preserve-colors luminance (as neural-style's -original_colors 1).")
    boolean originalColors;

    @Option(names = "--style-scale", description = "Size of the style images relative to the output (default: ${DEFAULT-VALUE}).")
    double styleScale = 1.0;

    @Option(names = "--mask", paramLabel = "IMAGE",
            description = "Region mask for the style of the same position (white = that style); give one per --style.")
    List<Path> masks = new ArrayList<>();

    @Option(names = "--scales", split = ",", paramLabel = "PX",
            description = "Coarse-to-fine sizes, e.g. 256,512,1024: optimise at each, upsample, refine; the last one is the output size (it overrides --size).")
    int[] scales;

    @Option(names = "--tile", paramLabel = "PX", description = "Refine the last scale in overlapping tiles of this size (0: no tiling; default: ${DEFAULT-VALUE}).")
    int tile = 0;

    @Option(names = "--tile-iterations", paramLabel = "N", description = "Iterations per tile before the tile grid shifts (default: ${DEFAULT-VALUE}).")
    int tileIterations = Controls.DEFAULT_TILE_ITERATIONS;

    @Option(names = "--init-image", paramLabel = "IMAGE", description = "Start the optimisation from this image (overrides --init).")
    Path initImage;

    @Option(names = "--normalize-gradients", negatable = true,
            description = "Divide each loss layer's gradient by its L1 norm before adding it (as neural-style's -normalize_gradients).")
    boolean normalizeGradients;

    @Option(names = "--memory-budget", paramLabel = "BYTES",
            description = "Memory the run may use, e.g. 800m or 4g (default: the JVM's maximum heap). Runs that would not fit stop before starting.")
    String memoryBudget;

    /** Parses 123, 800k, 800m, 4g (powers of 1024). */
    static long parseBytes(String s) {
        if (s == null || s.isBlank()) return 0;
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t);
            if (!(v >= 0) || Double.isInfinite(v)) throw new NumberFormatException();
            return (long) (v * mult);
        } catch (NumberFormatException e) {
            throw new NstException("--memory-budget: '" + s + "' is not a size (e.g. 800m, 4g)");
        }
    }

    Controls.ColorPreservation colours() {
        Controls.ColorPreservation c = Controls.ColorPreservation.of(preserveColors);
        if (originalColors && c == Controls.ColorPreservation.HISTOGRAM)
            throw new NstException("--original-colors (luminance) and --preserve-colors histogram contradict each other");
        return originalColors ? Controls.ColorPreservation.LUMINANCE : c;
    }

    StyleOptions toOptions(Image content, List<Image> styles) {
        StyleOptions.Builder b = StyleOptions.builder().content(content).styles(styles)
                .size(size).weights(weights).model(model).pooling(Pooling.of(pooling)).iterations(iterations)
                .optimizer(optimizer).history(history).contentWeight(contentWeight).styleWeight(styleWeight).tvWeight(tvWeight)
                .contentLayers(LayerWeight.parseList(contentLayers, "--content-layers"))
                .styleLayers(LayerWeight.parseList(styleLayers, "--style-layers"))
                .init(StyleOptions.Init.of(init)).seed(seed).saveEvery(saveEvery).threads(threads).backend(backend);
        if (learningRate != null) b.learningRate(learningRate);
        if (styleBlend != null) b.styleBlend(styleBlend);
        if (threads < 0) throw new NstException("--threads must not be negative, got " + threads);
        b.preserveColors(colours()).styleScale(styleScale).tile(tile).tileIterations(tileIterations)
                .normalizeGradients(normalizeGradients).memoryBudget(parseBytes(memoryBudget));
        if (!masks.isEmpty()) b.masks(TransferRunner.readAll(masks));
        if (initImage != null) b.initImage(Images.read(initImage));
        if (scales != null && scales.length > 0) b.scales(scales);
        return b.build().validate();
    }
}
