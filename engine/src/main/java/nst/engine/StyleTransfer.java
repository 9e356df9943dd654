package nst.engine;

import nst.engine.optim.Adam;
import nst.engine.optim.Lbfgs;
import nst.engine.optim.Optimizer;
import nst.kernels.Backend;
import nst.kernels.Backends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The embeddable API: one Gatys style transfer from {@link StyleOptions} to a {@link Result}, with a
 * {@link Listener} for progress and a {@link Cancellation} token. No static mutable state: two
 * transfers may run at once in one JVM, each with its own backend. Leaves out file output (callers
 * write {@link Result#image()} where they want it).
 */
public final class StyleTransfer {

    /** One loss evaluation, as the loss log records it (terms already weighted). */
    public record Evaluation(int iteration, int evaluation, double seconds, LossTerms terms) {}

    /** Progress after an iteration. {@link #image()} copies the current image only when called. */
    public interface Progress {
        int iteration();
        int iterations();
        LossTerms terms();
        double elapsedSeconds();
        /** Seconds per iteration so far. */
        default double secondsPerIteration() { return iteration() == 0 ? 0 : elapsedSeconds() / iteration(); }
        /** Estimated seconds to the last iteration. */
        default double etaSeconds() { return secondsPerIteration() * Math.max(0, iterations() - iteration()); }
        /** The current image (unclamped copy). */
        Image image();
        /** The objective, for inspection (per-layer losses, activations); valid during the callback only. */
        Objective objective();
    }

    /** Hears a transfer's progress; every method has an empty default. Called on the transfer's thread. */
    public interface Listener {
        default void started(String backendDescription, int width, int height) {}
        default void evaluation(Evaluation e) {}
        default void iteration(Progress p) {}
        /** Every {@code saveEvery} iterations (when that option is set). */
        default void intermediate(int iteration, Image image) {}
    }

    /** Cooperative cancellation, checked at every loss evaluation. Thread-safe. */
    public static final class Cancellation {
        private volatile boolean cancelled;
        public void cancel() { cancelled = true; }
        public boolean isCancelled() { return cancelled; }
    }

    /** The outcome: the image (unclamped), every evaluation, and why it stopped. */
    public record Result(Image image, List<Evaluation> history, int iterations, int evaluations,
                         double seconds, boolean cancelled, String backend, String weightsSource) {
        public LossTerms finalTerms() { return history.isEmpty() ? null : history.get(history.size() - 1).terms(); }
    }

    /** The loss became NaN or infinite: the transfer stopped; {@link #lastGood()} holds the last finite image. */
    public static final class NonFiniteLossException extends NstException {
        private final transient Result lastGood;
        public NonFiniteLossException(String message, Result lastGood) {
            super(message);
            this.lastGood = lastGood;
        }
        public Result lastGood() { return lastGood; }
    }

    private static final class Cancelled extends RuntimeException {
        Cancelled() { super(null, null, false, false); }
    }

    private final Consumer<String> notices;

    /** @param notices one-line notices for the user (weights fallback, backend choice); may be null */
    public StyleTransfer(Consumer<String> notices) {
        this.notices = notices == null ? s -> {} : notices;
    }

    public StyleTransfer() { this(null); }

    /** Where converted weights are looked for: $NST_HOME, else $XDG_CACHE_HOME/nst, else ~/.cache/nst. */
    public static Path defaultWeightsDir() {
        String home = System.getenv("NST_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "nst");
        return Path.of(System.getProperty("user.home"), ".cache", "nst");
    }

    /** The default weights file for a model, e.g. ~/.cache/nst/vgg19.safetensors. */
    public static Path defaultWeightsFile(String model) {
        return defaultWeightsDir().resolve(model + ".safetensors");
    }

    /** Resolves the weights option: a path, "random", or "auto" (default location, else random with a notice). */
    public VggWeights resolveWeights(StyleOptions o) {
        if (o.weightsData() != null) return o.weightsData();
        VggSpec spec = VggSpec.of(o.model());
        String w = o.weights() == null ? "auto" : o.weights();
        if (w.equals("random")) return VggWeights.random(spec, o.seed(), Preprocess.TORCHVISION);
        if (w.equals("auto")) {
            Path p = defaultWeightsFile(o.model());
            if (Files.isRegularFile(p)) return checkArch(VggWeights.load(p), o.model(), p);
            notices.accept("no pretrained " + o.model() + " weights at " + p + ": using seeded random weights"
                    + " (they transfer colour and texture); get pretrained ones with './nst weights fetch " + o.model()
                    + "' or './nst weights convert FILE'");
            return VggWeights.random(spec, o.seed(), Preprocess.TORCHVISION);
        }
        Path p = Path.of(w);
        return checkArch(VggWeights.load(p), o.model(), p);
    }

    private static VggWeights checkArch(VggWeights wts, String model, Path p) {
        if (!wts.spec().arch().equals(model))
            throw new WeightsException(p + " holds " + wts.spec().arch() + " weights, but --model is " + model);
        return wts;
    }

    /** Runs a transfer, creating (and closing) the backend the options name. */
    public Result run(StyleOptions o, Listener listener, Cancellation cancel) {
        o.validate();
        VggWeights weights = resolveWeights(o);
        Backend backend;
        try {
            backend = Backends.create(o.backend(), o.threads(), notices);
        } catch (IllegalArgumentException e) {
            throw new NstException("--backend: " + e.getMessage(), e);
        }
        try (backend) {
            return run(o, weights, backend, listener, cancel);
        }
    }

    /** Runs a transfer on a backend the caller owns (and closes). */
    public Result run(StyleOptions o, VggWeights weights, Backend backend, Listener listener, Cancellation cancel) {
        o.validate();
        Listener l = listener == null ? new Listener() {} : listener;
        Cancellation c = cancel == null ? new Cancellation() : cancel;
        Image content = Images.resizeLongest(o.content(), o.size());
        List<Image> styles = new ArrayList<>();
        for (Image s : o.styles()) styles.add(Images.resizeLongest(s, o.size()));
        Objective.Config cfg = new Objective.Config(o.contentLayers(), o.styleLayers(), o.contentWeight(), o.styleWeight(), o.tvWeight());
        try (VggNetwork net = new VggNetwork(backend, weights, o.pooling());
             Objective objective = new Objective(net, cfg, content, styles, o.normalisedBlend())) {
            return optimise(o, objective, content, styles, backend.description(), weights.source(), l, c);
        }
    }

    private Result optimise(StyleOptions o, Objective objective, Image content, List<Image> styles,
                            String backendName, String weightsSource, Listener l, Cancellation cancel) {
        int w = content.width(), h = content.height();
        float[] x = initialImage(o, content, styles);
        float[] lastGood = x.clone();                 // (3, H, W) the image after the last finite iteration
        List<Evaluation> history = new ArrayList<>();
        long t0 = System.nanoTime();
        int[] iteration = {0};
        l.started(backendName, w, h);
        nst.engine.optim.DifferentiableFunction f = (xx, grad) -> {
            if (cancel.isCancelled()) throw new Cancelled();
            LossTerms t = objective.evaluate(xx, grad);
            Evaluation e = new Evaluation(iteration[0], history.size(), (System.nanoTime() - t0) / 1e9, t);
            history.add(e);
            l.evaluation(e);
            if (!t.finite())
                throw new NonFiniteLossException(String.format("loss became %s at iteration %d (content %s, style %s, tv %s);"
                        + " try smaller weights or learning rate", t.total(), iteration[0], t.content(), t.style(), t.tv()), null);
            return t.total();
        };
        // torch stops L-BFGS after 1.25 × max_iter evaluations; a user who asks for N iterations expects N,
        // so the budget here is 2 × N evaluations (line searches rarely need more than one).
        Optimizer opt = o.optimizer().equals("adam") ? new Adam(o.learningRate())
                : new Lbfgs(o.learningRate(), o.history(), 1e-7, 1e-9, 2 * Math.max(1, o.iterations()));
        boolean cancelled = false;
        try {
            if (o.iterations() == 0) {
                f.evaluate(x, new float[x.length]);
            } else {
                opt.minimize(x, f, o.iterations(), (it, loss) -> {
                    iteration[0] = it;
                    System.arraycopy(x, 0, lastGood, 0, x.length);
                    double elapsed = (System.nanoTime() - t0) / 1e9;
                    LossTerms terms = history.get(history.size() - 1).terms();
                    l.iteration(new Progress() {
                        public int iteration() { return it; }
                        public int iterations() { return o.iterations(); }
                        public LossTerms terms() { return terms; }
                        public double elapsedSeconds() { return elapsed; }
                        public Image image() { return new Image(w, h, x.clone()); }
                        public Objective objective() { return objective; }
                    });
                    if (o.saveEvery() > 0 && it % o.saveEvery() == 0 && it < o.iterations()) l.intermediate(it, new Image(w, h, x.clone()));
                    return !cancel.isCancelled();
                });
                if (!(opt instanceof Adam)) System.arraycopy(x, 0, lastGood, 0, x.length);
            }
        } catch (Cancelled e) {
            cancelled = true;
        } catch (NonFiniteLossException e) {
            Result partial = new Result(new Image(w, h, lastGood), Collections.unmodifiableList(history), iteration[0],
                    history.size(), (System.nanoTime() - t0) / 1e9, false, backendName, weightsSource);
            throw new NonFiniteLossException(e.getMessage(), partial);
        }
        cancelled |= cancel.isCancelled();
        float[] out = cancelled ? lastGood : x;
        return new Result(new Image(w, h, out), Collections.unmodifiableList(history), iteration[0], history.size(),
                (System.nanoTime() - t0) / 1e9, cancelled, backendName, weightsSource);
    }

    /** content: the content image; style: the first style image resized to the content's size; noise: uniform [0,1). */
    static float[] initialImage(StyleOptions o, Image content, List<Image> styles) {
        return switch (o.init()) {
            case CONTENT -> content.rgb().clone();
            case STYLE -> {
                if (styles.isEmpty()) throw new NstException("--init style needs a style image");
                yield Images.resize(styles.get(0), content.width(), content.height()).rgb();
            }
            case NOISE -> {
                SplittableRandom r = new SplittableRandom(o.seed() ^ 0x9E3779B97F4A7C15L);
                float[] v = new float[content.rgb().length];
                for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble();
                yield v;
            }
        };
    }
}
