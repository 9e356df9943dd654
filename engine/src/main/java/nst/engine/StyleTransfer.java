package nst.engine;

import nst.engine.image.ColorTransfer;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import nst.engine.network.Backbone;
import nst.engine.network.NetworkWeights;
import nst.engine.network.ResNetNetwork;
import nst.engine.network.ResNetWeights;
import nst.engine.loss.TemporalLoss;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.engine.optim.Adam;
import nst.engine.optim.Lbfgs;
import nst.engine.optim.Optimizer;
import nst.kernels.Backend;
import nst.kernels.DeviceException;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The embeddable API: one Gatys style transfer from {@link StyleOptions} to a {@link Result}, with a
 * {@link Listener} for progress and a {@link Cancellation} token. It does the run: the scales of
 * coarse-to-fine, the optimiser loop over the {@link Objective}, progress, cancellation and the last good
 * image. No static mutable state: two transfers may run at once in one JVM, each with its own backend.
 * Leaves out file output (callers write {@link Result#image()} where they want it), which weights
 * ({@link WeightsLookup}) and which backend ({@link BackendChoice}) the run uses, and the tiles of tiled
 * refinement ({@link TiledRefinement}).
 */
public final class StyleTransfer {

    /**
     * One loss evaluation, as the loss log records it (terms already weighted). {@code seconds}: since the first
     * optimisation stage started, so the weights upload and the loss-target passes before it do not count.
     */
    public record Evaluation(int iteration, int evaluation, double seconds, LossTerms terms) {}

    /**
     * Progress after an iteration. {@link #image()} copies the current image only when called. Iterations
     * count within a stage (each scale of coarse-to-fine); during tiled refinement they count tile iterations
     * over all rounds and tiles of the stage, and {@link #image()} is the tile being optimised.
     */
    public interface Progress {
        int iteration();
        int iterations();
        LossTerms terms();
        double elapsedSeconds();
        /** Seconds per iteration so far. */
        default double secondsPerIteration() { return iteration() == 0 ? 0 : elapsedSeconds() / iteration(); }
        /** Estimated seconds to the last iteration. */
        default double etaSeconds() { return secondsPerIteration() * Math.max(0, iterations() - iteration()); }
        /**
         * The image whose loss {@link #terms()} reports (unclamped copy). For L-BFGS, the iterate the line search
         * accepted; for Adam, the image evaluated in this iteration (Adam's update after it is not evaluated yet).
         */
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

    /** The outcome: the image (unclamped), every evaluation, and why it stopped; {@code seconds}: the whole run, setup included. */
    public record Result(Image image, List<Evaluation> history, int iterations, int evaluations,
                         double seconds, boolean cancelled, String backend, String weightsSource) {
        public LossTerms finalTerms() { return history.isEmpty() ? null : history.get(history.size() - 1).terms(); }
    }

    /**
     * The transfer stopped before its end on a failure; {@link #lastGood()} holds the result so far, with the
     * last good image (null when the failure came before there was an image). The message is one line for the
     * user. Kinds: {@link NonFiniteLossException}, {@link DeviceFailureException}.
     */
    public abstract static class TransferFailedException extends NstException {
        private final transient Result lastGood;
        TransferFailedException(String message, Throwable cause, Result lastGood) {
            super(message, cause);
            this.lastGood = lastGood;
        }
        public Result lastGood() { return lastGood; }
        /** The same failure with the run's result so far (the engine adds it where the run's state is known). */
        abstract TransferFailedException withLastGood(Result lastGood);
    }

    /** The loss became NaN or infinite: the transfer stopped; {@link #lastGood()} holds the last finite image. */
    public static final class NonFiniteLossException extends TransferFailedException {
        public NonFiniteLossException(String message, Result lastGood) { super(message, null, lastGood); }
        @Override NonFiniteLossException withLastGood(Result r) { return new NonFiniteLossException(getMessage(), r); }
    }

    /**
     * The compute device failed (accelerator out of memory or resources, device lost): the transfer stopped;
     * the cause is the backend's {@link DeviceException}, {@link #lastGood()} holds the last good image.
     */
    public static final class DeviceFailureException extends TransferFailedException {
        public DeviceFailureException(String message, DeviceException cause, Result lastGood) { super(message, cause, lastGood); }
        @Override DeviceFailureException withLastGood(Result r) { return new DeviceFailureException(getMessage(), (DeviceException) getCause(), r); }

        static DeviceFailureException of(DeviceException e, String when) {
            return new DeviceFailureException("the compute device failed " + when + ": " + e.getMessage()
                    + "; try a smaller --size, --tile, or a CPU backend (--backend simd)", e, null);
        }
    }

    /** Thrown through the optimiser from a loss evaluation when the transfer is cancelled. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() { super(null, null, false, false); }
    }

    private final Consumer<String> notices;

    /** @param notices one-line notices for the user (weights fallback, backend choice); may be null */
    public StyleTransfer(Consumer<String> notices) {
        this.notices = notices == null ? s -> {} : notices;
    }

    public StyleTransfer() { this(null); }

    /** Runs a transfer, creating (and closing) the backend the options name. */
    public Result run(StyleOptions o, Listener listener, Cancellation cancel) {
        o.validate();
        // Weights this run made itself (not o.weightsData()) are handed over in a holder that the run empties
        // once they are on the backend, so their host arrays can be collected during the optimisation.
        NetworkWeights[] owned = {WeightsLookup.resolve(o, notices)};
        boolean ours = o.weightsData() == null;
        Backend backend = BackendChoice.create(o, notices);
        Result result;
        try {
            result = run(o, owned, ours, backend, listener, cancel);
        } catch (RuntimeException | Error e) {
            try {
                backend.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        try {
            backend.close();
        } catch (DeviceException e) {             // the image is made: a failed release must not lose it
            notices.accept("releasing backend " + backend.name() + " failed: " + e.getMessage());
        }
        return result;
    }

    /** Runs a transfer on a backend the caller owns (and closes). */
    public Result run(StyleOptions o, NetworkWeights weights, Backend backend, Listener listener, Cancellation cancel) {
        return run(o, new NetworkWeights[] {weights}, false, backend, listener, cancel, null, 0);
    }

    /**
     * Refuses the options a temporal loss does not combine with (yet): coarse-to-fine scales and tiles (the target is
     * at the output size) and luminance-only transfer (the target is an RGB output). Errors name the options.
     */
    public static void checkTemporal(StyleOptions o) {
        Controls k = o.controls();
        if (k.schedule(o.size()).length > 1 || k.tile() > 0)
            throw new OptionException("the temporal loss does not combine with {} or {} yet", TransferOption.SCALES, TransferOption.TILE);
        if (k.preserveColors() == Controls.ColorPreservation.LUMINANCE)
            throw new OptionException("the temporal loss does not combine with {} luminance yet", TransferOption.PRESERVE_COLORS);
    }

    /**
     * Runs the transfer of one video frame on a backend the caller owns: the objective gains λ · L_temporal
     * ({@link TemporalLoss}, at the output size). One scale only, no tiles, no luminance-only transfer (the temporal
     * target is an RGB output); {@code temporal} null or λ = 0 is a plain transfer.
     */
    public Result run(StyleOptions o, NetworkWeights weights, Backend backend, Listener listener, Cancellation cancel,
                      TemporalLoss temporal, double lambda) {
        return run(o, new NetworkWeights[] {weights}, false, backend, listener, cancel, temporal, lambda);
    }

    private Result run(StyleOptions o, NetworkWeights[] holder, boolean releaseWeights, Backend backend, Listener listener, Cancellation cancel) {
        return run(o, holder, releaseWeights, backend, listener, cancel, null, 0);
    }

    private Result run(StyleOptions given, NetworkWeights[] holder, boolean releaseWeights, Backend backend, Listener listener, Cancellation cancel,
                       TemporalLoss temporal, double lambda) {
        NetworkWeights weights = holder[0];
        VggSpec spec = weights instanceof VggWeights v ? v.spec() : null;
        int resNetBase = weights instanceof ResNetWeights r ? r.base() : 0;
        if (!weights.arch().equals(given.arch()))
            throw new NstException("the weights are " + weights.arch() + " but --model is " + given.model());
        given.validate();
        if (given.adain())
            throw new NstException("--method adain is a feed-forward method (nst.engine.adain.AdaInTransfer), not an optimisation:"
                    + " this command runs Gatys only; use 'nst stylize --method adain'");
        StyleOptions o = given.init() == StyleOptions.Init.ADAIN && given.controls().initImage() == null ? withAdainStart(given, backend) : given;
        Listener l = listener == null ? new Listener() {} : listener;
        Cancellation c = cancel == null ? new Cancellation() : cancel;
        Controls k = o.controls();
        if (k.normalizeGradients() && o.optimizerKind() == nst.engine.optim.OptimizerKind.LBFGS)
            notices.accept("--normalize-gradients with L-BFGS: the line search sees a gradient that is not the loss's and may"
                    + " stop after a few iterations; --optimizer adam is the pairing that keeps going");
        Inputs in = Inputs.of(o);
        int[] schedule = k.schedule(o.size());
        if (temporal != null && lambda != 0) checkTemporal(o);
        Objective.Config cfg = new Objective.Config(o.contentLayers(), o.styleLayers(), o.contentWeight(), o.styleWeight(),
                o.tvWeight(), k.normalizeGradients(), o.featureTransform());
        if (spec == null && (k.tile() > 0 || !k.masks().isEmpty()))
            throw new OptionException(k.tile() > 0 ? TransferOption.TILE : TransferOption.MASK, "{} works with the VGG models only, not " + weights.arch());
        TransferRun run = new TransferRun(o, l, c, backend.description(), weights.source());
        boolean heapBound = BackendChoice.heapBound(backend);
        try (Backbone net = network(backend, weights, o, cfg)) {
            if (releaseWeights) {
                if (net instanceof VggNetwork vgg) vgg.releaseHostWeights(Objective.deepestLayer(spec, cfg, !o.styles().isEmpty()));
                holder[0] = null;
                weights = null;
            }
            for (int si = 0; si < schedule.length; si++) {
                boolean lastScale = si == schedule.length - 1;
                Image content = Images.resizeLongest(in.content, schedule[si]);
                int styleLongest = k.styleLongest(schedule[si]);
                List<Image> styles = new ArrayList<>();
                for (Image s : in.styles) styles.add(Images.resizeLongest(s, styleLongest));
                int w = content.width(), h = content.height();
                if (run.x == null) {
                    run.x = in.init != null ? Images.resize(in.init, w, h).rgb() : initialImage(o, content, styles);
                } else {                      // coarse-to-fine: the previous scale's result, upsampled
                    run.x = Images.resize(new Image(run.width, run.height, run.x), w, h).rgb();
                }
                run.width = w;
                run.height = h;
                run.finisher = in.finisher(o.content(), w, h);
                boolean tiled = lastScale && TileGrid.tiled(k.tile(), w, h);
                if (tiled) {
                    if (heapBound) TiledRefinement.checkMemory(o, spec, w, h);
                    TiledRefinement.run(o, (VggNetwork) net, cfg, content, styles, run,
                            (objective, tile, tw, th, iterations, stage) -> optimise(o, objective, tile, tw, th, iterations, run, stage));
                } else {
                    if (heapBound && spec != null) MemoryEstimate.check(o, spec, w, h, styleLongest);
                    else if (heapBound)
                        MemoryEstimate.check(o, (ww, hh, ss) -> MemoryEstimate.ofResNet(o, resNetBase, ww, hh, ss), w, h, styleLongest);
                    try (Objective objective = new Objective(net, cfg, content, styles, o.normalisedBlend(), k.masks())) {
                        if (temporal != null) objective.setTemporal(temporal, lambda);
                        run.listener.started(run.backendName, w, h);
                        optimise(o, objective, run.x, w, h, o.iterations(), run, TransferRun.Stage.whole(o.iterations()));
                    }
                }
                if (run.cancelled) break;
            }
        } catch (TransferFailedException e) {
            throw e.withLastGood(run.x == null ? null : run.result(true));
        } catch (DeviceException e) {             // outside an optimisation: weights upload, target passes
            throw DeviceFailureException.of(e, "while preparing the network or the loss targets").withLastGood(
                    run.x == null ? null : run.result(true));
        }
        return run.result(false);
    }

    /**
     * The network for these weights: VGG with the options' pooling, or ResNet-50 cut after the deepest loss layer
     * (only the convs up to there are uploaded).
     */
    private static Backbone network(Backend backend, NetworkWeights weights, StyleOptions o, Objective.Config cfg) {
        return switch (weights) {
            case VggWeights v -> new VggNetwork(backend, v, o.pooling());
            case ResNetWeights r -> new ResNetNetwork(backend, r,
                    Objective.deepestLayer(nst.engine.network.ResNet50::layerIndex, cfg, !o.styles().isEmpty()));
        };
    }

    /**
     * The inputs after colour preservation (what the objective sees, before the per-scale resizing), and how the
     * optimised image becomes the output. Public for inspection (the studio's step-through shows these).
     */
    public record Inputs(Image content, List<Image> styles, Image init, Controls.ColorPreservation colours) {
        public static Inputs of(StyleOptions o) {
            Image content = o.content(), init = o.controls().initImage();
            List<Image> styles = new ArrayList<>();
            switch (o.controls().preserveColors()) {
                case NONE -> styles.addAll(o.styles());
                case HISTOGRAM -> { for (Image s : o.styles()) styles.add(ColorTransfer.matchHistogram(s, content)); }
                case LUMINANCE -> {
                    for (Image s : o.styles()) styles.add(ColorTransfer.matchedLuminance(s, content));
                    content = ColorTransfer.luminanceImage(content);
                    if (init != null) init = ColorTransfer.luminanceImage(init);
                }
            }
            return new Inputs(content, styles, init, o.controls().preserveColors());
        }

        /** Luminance transfer: the result's luminance with the content's chroma at the result's size. */
        public java.util.function.UnaryOperator<Image> finisher(Image originalContent, int w, int h) {
            if (colours != Controls.ColorPreservation.LUMINANCE) return im -> im;
            Image chroma = Images.resize(originalContent, w, h);
            return im -> ColorTransfer.recombine(im, chroma);
        }
    }

    /**
     * Runs the optimiser on x (3, h, w) in place for up to {@code iterations}; on cancellation, a non-finite
     * loss or a device failure x holds the last good image (and the run is marked cancelled, or a
     * {@link TransferFailedException} thrown).
     * The last good image is the image of the last iteration reported to the listener, whose loss was finite.
     */
    private void optimise(StyleOptions o, Objective objective, float[] x, int w, int h, int iterations, TransferRun run,
                          TransferRun.Stage stage) {
        Listener l = run.listener;
        Cancellation cancel = run.cancel;
        List<Evaluation> history = run.history;
        boolean adam = o.optimizerKind() == nst.engine.optim.OptimizerKind.ADAM;
        float[] lastGood = x.clone();                 // (3, H, W) the image of the last iteration reported, its loss finite
        // Adam updates x right after evaluating it, so when an iteration ends x is the next image, not yet
        // evaluated; the image whose (finite) loss the iteration reports is the evaluated one, kept here.
        float[] evaluated = adam ? new float[x.length] : null;     // (3, H, W)
        float[] shown = adam ? evaluated : x;         // the image an iteration reports
        int firstEvaluation = history.size();
        int[] iteration = {0};
        if (run.optimisationStart < 0) run.optimisationStart = System.nanoTime();
        nst.engine.optim.DifferentiableFunction f = (xx, grad) -> {
            if (cancel.isCancelled()) throw new Cancelled();
            LossTerms t = objective.evaluate(xx, grad);
            Evaluation e = new Evaluation(stage.offset() + iteration[0], history.size(), run.optimisationSeconds(), t);
            history.add(e);
            l.evaluation(e);
            if (!t.finite())      // the evaluation belongs to the iteration in progress, one after the last completed
                throw new NonFiniteLossException(String.format("loss became %s at iteration %d (content %s, style %s, tv %s);"
                        + " try smaller weights or learning rate", t.total(), stage.offset() + iteration[0] + 1, t.content(), t.style(), t.tv()), null);
            if (evaluated != null) System.arraycopy(xx, 0, evaluated, 0, xx.length);
            return t.total();
        };
        // torch stops L-BFGS after 1.25 × max_iter evaluations; a user who asks for N iterations expects N,
        // so the budget here is 2 × N evaluations (line searches rarely need more than one).
        Optimizer opt = adam ? new Adam(o.learningRate())
                : new Lbfgs(o.learningRate(), o.history(), 1e-7, 1e-9, 2 * Math.max(1, iterations));
        try {
            if (iterations == 0) {
                f.evaluate(x, new float[x.length]);
            } else {
                opt.minimize(x, f, iterations, (it, loss) -> {
                    iteration[0] = it;
                    System.arraycopy(shown, 0, lastGood, 0, x.length);
                    double elapsed = (System.nanoTime() - stage.startNanos()) / 1e9;
                    LossTerms terms = termsOf(history, firstEvaluation, loss);
                    l.iteration(new Progress() {
                        public int iteration() { return stage.offset() + it; }
                        public int iterations() { return stage.total(); }
                        public LossTerms terms() { return terms; }
                        public double elapsedSeconds() { return elapsed; }
                        public Image image() { return new Image(w, h, shown.clone()); }
                        public Objective objective() { return objective; }
                    });
                    if (stage.intermediates() && o.saveEvery() > 0 && it % o.saveEvery() == 0 && it < iterations)
                        l.intermediate(it, run.finisher.apply(new Image(w, h, shown.clone())));
                    return !cancel.isCancelled();
                });
                if (!adam) System.arraycopy(x, 0, lastGood, 0, x.length);
            }
        } catch (Cancelled e) {
            run.cancelled = true;
        } catch (NonFiniteLossException | DeviceException e) {       // keep the last good image, then report
            System.arraycopy(lastGood, 0, x, 0, x.length);
            run.iterations += iteration[0];
            if (e instanceof DeviceException d) throw DeviceFailureException.of(d, "at iteration " + (stage.offset() + iteration[0] + 1));
            throw e;
        }
        run.cancelled |= cancel.isCancelled();
        if (run.cancelled) System.arraycopy(lastGood, 0, x, 0, x.length);
        run.iterations += iteration[0];
    }

    /**
     * The terms of the evaluation whose total the optimiser reports for an iteration: the latest one with that
     * total (an L-BFGS line search may accept a step other than its last trial; Adam reports its last evaluation).
     */
    private static LossTerms termsOf(List<Evaluation> history, int from, double loss) {
        for (int i = history.size() - 1; i >= from; i--)
            if (Double.compare(history.get(i).terms().total(), loss) == 0) return history.get(i).terms();
        return history.get(history.size() - 1).terms();
    }

    /**
     * {@code --init adain}: the options with the AdaIN result (weights from {@link StyleOptions#adainWeights()}, at the
     * first scale's size, on the run's backend) as the initial image.
     */
    private StyleOptions withAdainStart(StyleOptions o, Backend backend) {
        if (o.styles().isEmpty()) throw new NstException("--init adain needs a style image");
        nst.engine.adain.AdaInWeights aw = nst.engine.adain.AdaInTransfer.weights(o.adainWeights(), o.seed(), TransferOption.ADAIN_WEIGHTS, notices);
        Image start;
        try (nst.engine.adain.AdaInNetwork net = new nst.engine.adain.AdaInNetwork(backend, aw)) {
            start = nst.engine.adain.AdaInTransfer.stylize(net, o, o.controls().schedule(o.size())[0]);
        }
        notices.accept("--init adain: starting from the AdaIN result (weights " + aw.source() + ")");
        return o.toBuilder().initImage(start).build();
    }

    /** content: the content image; style: the first style image resized to the content's size; noise: uniform [0,1). */
    static float[] initialImage(StyleOptions o, Image content, List<Image> styles) {
        return switch (o.init()) {
            case CONTENT -> content.rgb().clone();
            case STYLE -> {
                if (styles.isEmpty()) throw new NstException("--init style needs a style image");
                yield Images.resize(styles.get(0), content.width(), content.height()).rgb();
            }
            case ADAIN -> throw new IllegalStateException("--init adain is resolved into an initial image before the run");
            case NOISE -> {
                SplittableRandom r = new SplittableRandom(o.seed() ^ 0x9E3779B97F4A7C15L);
                float[] v = new float[content.rgb().length];
                for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble();
                yield v;
            }
        };
    }
}
