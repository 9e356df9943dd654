package nst.engine;

import nst.engine.network.NetworkWeights;
import nst.engine.network.Preprocess;
import nst.engine.network.ResNetWeights;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Which weights a transfer runs with: the {@code weights} option is a file, {@code random} (seeded He-normal
 * weights) or {@code auto} (the default location, else random with a notice). Also where converted weights are
 * kept. Leaves out reading the file ({@link NetworkWeights#load}) and getting weights (the weights-converter module).
 */
public final class WeightsLookup {
    private WeightsLookup() {}

    /** The three forms of the weights option. */
    public enum Kind {
        /** The default file for the model if it exists, else random weights with a notice. */
        AUTO,
        /** Seeded random weights: they transfer colour and texture, not brush strokes. */
        RANDOM,
        /** A safetensors file named by the option. */
        FILE;

        /** The kind of a weights option: "auto" (or none), "random", anything else a path. */
        public static Kind of(String option) {
            if (option == null || option.equals("auto")) return AUTO;
            return option.equals("random") ? RANDOM : FILE;
        }
    }

    /** Where converted weights are looked for: $NST_HOME, else $XDG_CACHE_HOME/nst, else ~/.cache/nst. */
    public static Path defaultDir() {
        String home = System.getenv("NST_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "nst");
        return Path.of(System.getProperty("user.home"), ".cache", "nst");
    }

    /** The default weights file for a model, e.g. ~/.cache/nst/vgg19.safetensors. */
    public static Path defaultFile(String model) {
        return defaultDir().resolve(model + ".safetensors");
    }

    /** Whether the weights option gives random weights for this model: "random", or "auto" without the default file. */
    public static boolean isRandom(String option, String model) {
        return switch (Kind.of(option)) {
            case RANDOM -> true;
            case AUTO -> !Files.isRegularFile(defaultFile(model));
            case FILE -> false;
        };
    }

    /**
     * The weights the options ask for: {@link StyleOptions#weightsData()} when given, else the weights option
     * resolved as the class comment says. {@code notices} hears the one line that says auto fell back to random.
     */
    public static NetworkWeights resolve(StyleOptions o, Consumer<String> notices) {
        if (o.weightsData() != null) return o.weightsData();
        return switch (Kind.of(o.weights())) {
            case RANDOM -> random(o.model(), o.seed());
            case FILE -> load(Path.of(o.weights()), o.model());
            case AUTO -> {
                Path p = defaultFile(o.model());
                if (Files.isRegularFile(p)) yield load(p, o.model());
                if (notices != null) notices.accept("no pretrained " + o.model() + " weights at " + p + ": using seeded random weights"
                        + " (they transfer colour and texture); get pretrained ones with './nst weights fetch " + o.model()
                        + "' or './nst weights convert FILE'");
                yield random(o.model(), o.seed());
            }
        };
    }

    /**
     * Seeded random weights for a model: He-normal VGG weights, or a ResNet-50 with random batch-norm statistics
     * folded in ({@link ResNetWeights#random}); torchvision preprocessing.
     */
    public static NetworkWeights random(String model, long seed) {
        if (ResNetWeights.ARCH.equals(model)) return ResNetWeights.random(64, seed, Preprocess.TORCHVISION);
        return VggWeights.random(VggSpec.of(model), seed, Preprocess.TORCHVISION);
    }

    /** The weights in file p, which must be for {@code model}. */
    private static NetworkWeights load(Path p, String model) {
        NetworkWeights wts = NetworkWeights.load(p);
        if (!wts.arch().equals(model))
            throw new WeightsException(p + " holds " + wts.arch() + " weights, but --model is " + model);
        return wts;
    }
}
