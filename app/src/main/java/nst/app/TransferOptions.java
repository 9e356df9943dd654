package nst.app;

import nst.engine.Image;
import nst.engine.LayerWeight;
import nst.engine.NstException;
import nst.engine.Pooling;
import nst.engine.StyleOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

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
        return b.build().validate();
    }
}
