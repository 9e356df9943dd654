package nst.engine;

import nst.engine.StyleTransfer.Cancellation;
import nst.engine.StyleTransfer.Evaluation;
import nst.engine.StyleTransfer.Listener;
import nst.engine.StyleTransfer.Result;
import nst.engine.image.Image;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The state of one transfer across its scales and tiles: the image being optimised, the loss history, the
 * iteration count, and how the optimised image becomes the result. Leaves out the optimisation itself
 * ({@link StyleTransfer}) and the tiles ({@link TiledRefinement}).
 */
final class TransferRun {

    final StyleOptions o;
    final Listener listener;
    final Cancellation cancel;
    final String backendName, weightsSource;
    final List<Evaluation> history = new ArrayList<>();
    final long t0 = System.nanoTime();
    long optimisationStart = -1;            // nanoTime when the first optimisation stage started; -1 before
    float[] x;                              // (3, H, W) the image being optimised, at the current scale
    int width, height, iterations;
    boolean cancelled;
    UnaryOperator<Image> finisher = im -> im;

    TransferRun(StyleOptions o, Listener listener, Cancellation cancel, String backendName, String weightsSource) {
        this.o = o;
        this.listener = listener;
        this.cancel = cancel;
        this.backendName = backendName;
        this.weightsSource = weightsSource;
    }

    /** Wall time of the whole run so far, setup (weights upload, loss targets) included. */
    double seconds() { return (System.nanoTime() - t0) / 1e9; }

    /** Seconds since the first optimisation stage started: what each {@link Evaluation} records. */
    double optimisationSeconds() { return (System.nanoTime() - optimisationStart) / 1e9; }

    Result result(boolean partial) {
        Image im = finisher.apply(new Image(width, height, x.clone()));
        return new Result(im, Collections.unmodifiableList(new ArrayList<>(history)), iterations, history.size(), seconds(),
                cancelled || (!partial && cancel.isCancelled()), backendName, weightsSource);
    }

    /**
     * How one optimisation counts in its stage: iterations before it, the stage's total, when the stage
     * started (for seconds per iteration and ETA), and whether it saves intermediates itself (a tile does
     * not: the tiled stage saves the blended whole image at the end of a round).
     */
    record Stage(int offset, int total, long startNanos, boolean intermediates) {
        static Stage whole(int iterations) { return new Stage(0, iterations, System.nanoTime(), true); }
    }
}
