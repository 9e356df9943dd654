package nst.engine.batch;

import nst.engine.BackendChoice;
import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.WeightsLookup;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.DeviceException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Many transfers with one weights load and one backend: each {@link BatchJob} is read, compared with the output
 * already there (same recorded options: skipped, unless forced), stylized and written (through a temporary file
 * and a rename). A failing job is an {@link Outcome} with its reason, never the end of the batch. The listener
 * hears each job start and finish (the command line writes its progress and manifest there). Leaves out finding
 * the jobs (files, folders, globs, output names: the caller's) and what the options are (the {@link Recipe}'s).
 */
public final class Batch {
    /** The PNG tEXt key whose value must match for an existing output to count as done. */
    public static final String OPTIONS_KEY = "nst:options";

    /** How a job's images become options, and the PNG tEXt entries that record them. */
    public interface Recipe {
        /** The validated options for one content and one style image. */
        StyleOptions options(Image content, Image style);

        /** The tEXt entries of the job's output; {@code result} is null when asked what would be recorded. */
        Map<String, String> metadata(BatchJob job, StyleOptions options, StyleTransfer.Result result);
    }

    /** Hears the batch go by; its calls come from the thread that runs the batch. */
    public interface Listener {
        /** Job {@code index} (0-based) of {@code total} starts. */
        default void starting(int index, int total, BatchJob job) {}

        /** The listener of the job's transfer (iterations, evaluations), or null. */
        default StyleTransfer.Listener transfer(BatchJob job) { return null; }

        /** Job {@code index} ended so. An exception thrown here stops the batch. */
        default void finished(int index, int total, Outcome outcome) {}
    }

    private final Recipe recipe;
    private final boolean force;
    private final Consumer<String> notices;

    /**
     * @param force   redo jobs whose output already records the same options
     * @param notices one-line notices (weights fallback, backend choice); may be null
     */
    public Batch(Recipe recipe, boolean force, Consumer<String> notices) {
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.force = force;
        this.notices = notices == null ? s -> {} : notices;
    }

    /**
     * Runs the jobs in order; stops before the next job once {@code cancel} is set, and a job cancelled midway writes
     * nothing (a half-made picture must not pass for a finished one). Returns the outcomes of the jobs that ended.
     */
    public List<Outcome> run(List<BatchJob> jobs, Listener listener, StyleTransfer.Cancellation cancel) {
        Listener l = listener == null ? new Listener() {} : listener;
        StyleTransfer.Cancellation c = cancel == null ? new StyleTransfer.Cancellation() : cancel;
        List<Outcome> outcomes = new ArrayList<>();
        try (Shared shared = new Shared()) {
            for (int i = 0; i < jobs.size() && !c.isCancelled(); i++) {
                BatchJob job = jobs.get(i);
                l.starting(i, jobs.size(), job);
                Outcome o = runOne(job, shared, l, c);
                if (o == null) break;                           // cancelled midway
                outcomes.add(o);
                l.finished(i, jobs.size(), o);
            }
        }
        return outcomes;
    }

    /** One job's outcome, or null when it was cancelled. */
    private Outcome runOne(BatchJob job, Shared shared, Listener l, StyleTransfer.Cancellation c) {
        long start = System.nanoTime();
        try {
            StyleOptions o = recipe.options(Images.read(job.content()), Images.read(job.style()));
            if (!force && recorded(job.output(), recipe.metadata(job, o, null)))
                return new Outcome(job, Outcome.Status.SKIPPED, seconds(start), null, null);
            StyleTransfer.Result r = shared.transfer(o, l.transfer(job), c);
            if (r.cancelled()) return null;
            Images.writePng(r.image(), job.output(), recipe.metadata(job, o, r));
            Double loss = r.finalTerms() == null ? null : r.finalTerms().total();
            return new Outcome(job, Outcome.Status.DONE, seconds(start), loss, null);
        } catch (NstException | IllegalArgumentException | DeviceException | IOException | UncheckedIOException e) {
            return new Outcome(job, Outcome.Status.FAILED, seconds(start), null, reason(e));
        }
    }

    /** Whether {@code output} is a PNG that records the options this run would record. */
    private static boolean recorded(Path output, Map<String, String> wanted) {
        if (!Files.isRegularFile(output)) return false;
        try {
            String has = Images.readPngText(output).get(OPTIONS_KEY);
            return has != null && has.equals(wanted.get(OPTIONS_KEY));
        } catch (IOException | NstException e) {
            return false;                                       // unreadable: made again
        }
    }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }

    /** One line for a failure: the message, and for a file system failure the file. */
    static String reason(Exception e) {
        if (e instanceof OptionException o) return o.spelled(TransferOption::flag);      // options by their flags, as the CLI says them
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof FileSystemException f && f.getFile() != null)
            return "cannot access " + f.getFile() + (f.getReason() != null ? ": " + f.getReason() : " (" + f.getClass().getSimpleName() + ")");
        String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * The weights and the backend the jobs share, made by the first job that runs (a batch that skips everything
     * loads nothing). A device failure closes the backend; the next job starts a new one.
     */
    private final class Shared implements AutoCloseable {
        private nst.engine.network.NetworkWeights weights;
        private Backend backend;

        StyleTransfer.Result transfer(StyleOptions o, StyleTransfer.Listener listener, StyleTransfer.Cancellation c) {
            if (weights == null) weights = WeightsLookup.resolve(o, notices);
            if (backend == null) backend = BackendChoice.create(o, notices);
            try {
                return new StyleTransfer(notices).run(o, weights, backend, listener, c);
            } catch (StyleTransfer.DeviceFailureException e) {
                close();
                throw e;
            }
        }

        @Override public void close() {
            if (backend == null) return;
            try {
                backend.close();
            } catch (DeviceException e) {
                notices.accept("releasing backend " + backend.name() + " failed: " + e.getMessage());
            } finally {
                backend = null;
            }
        }
    }
}
