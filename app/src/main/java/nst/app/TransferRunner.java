package nst.app;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.io.AtomicFiles;
import nst.engine.loss.LossTerms;
import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.adain.AdaInTransfer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one transfer for the command line: reads the images, checks the outputs can be written before
 * any work, shows progress on stderr, writes the loss log, intermediates and the result (each through a
 * temporary file and a rename). On Ctrl-C, a non-finite loss or a device failure, the last good image is still written.
 */
final class TransferRunner {
    /** How long Ctrl-C waits for the last good image and the loss log to be written before the JVM halts. */
    static final int INTERRUPT_GRACE_SECONDS = 30;

    private final PrintStream err = System.err;

    int run(Path contentPath, List<Path> stylePaths, Path out, TransferOptions opts) throws IOException {
        List<String> inputs = new ArrayList<>(List.of("--content", contentPath.toAbsolutePath().normalize().toString()));
        for (Path p : stylePaths) inputs.addAll(List.of("--style", p.toAbsolutePath().normalize().toString()));
        return run(Images.read(contentPath), readAll(stylePaths), out, opts, contentPath.getFileName() + " in the style of "
                + String.join(", ", stylePaths.stream().map(p -> p.getFileName().toString()).toList()), inputs);
    }

    static List<Image> readAll(List<Path> paths) {
        List<Image> l = new ArrayList<>();
        for (Path p : paths) l.add(Images.read(p));
        return l;
    }

    int run(Image content, List<Image> styles, Path out, TransferOptions opts, String what) throws IOException {
        return run(content, styles, out, opts, what, List.of());
    }

    /** @param inputs the arguments naming the input files (--content, --style), recorded in the metadata */
    int run(Image content, List<Image> styles, Path out, TransferOptions opts, String what, List<String> inputs) throws IOException {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
            throw new NstException("--out: " + out + " must end in .png (nst writes PNG)");
        StyleOptions o = opts.toOptions(content, styles);
        AtomicFiles.checkWritable(out);
        if (o.adain()) return adain(o, opts, out, what, inputs);
        if (opts.lossLog() != null) AtomicFiles.checkWritable(opts.lossLog());

        try (Interrupts interrupts = new Interrupts(err)) {
            return transfer(o, opts, out, what, inputs, interrupts.cancellation);
        }
    }

    /**
     * Ctrl-C (SIGINT) starts the JVM's shutdown: the hook this installs cancels the run, then holds the shutdown
     * until {@link #close()} says the outputs (the last good image, the loss log or report) are written, at most
     * {@link #INTERRUPT_GRACE_SECONDS}; the JVM halts when its hooks return. Used by stylize, demo and explain.
     */
    static final class Interrupts implements AutoCloseable {
        final StyleTransfer.Cancellation cancellation = new StyleTransfer.Cancellation();
        private final CountDownLatch written = new CountDownLatch(1);
        private final Thread hook;

        Interrupts(PrintStream err) {
            hook = new Thread(() -> {
                cancellation.cancel();
                try {
                    if (!written.await(INTERRUPT_GRACE_SECONDS, TimeUnit.SECONDS))
                        err.println("nst: interrupted; the outputs were not written within " + INTERRUPT_GRACE_SECONDS + " s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "nst-interrupt");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** The outputs are written (or failed): the shutdown may go on. */
        @Override public void close() {
            written.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook is running and now returns
            }
        }
    }

    /** Runs the transfer and writes its outputs (also the last good image after a cancellation or failure). */
    private int transfer(StyleOptions o, TransferOptions opts, Path out, String what, List<String> inputs,
                         StyleTransfer.Cancellation cancel) throws IOException {
        StyleTransfer st = new StyleTransfer(msg -> err.println("nst: " + msg));
        Progress progress = new Progress(err, opts.quiet);
        LossLog log = opts.lossLog() == null ? null : new LossLog(opts.lossLog());
        StyleTransfer.Result result;
        try {
            result = st.run(o, new StyleTransfer.Listener() {
                @Override public void started(String backend, int w, int h) {
                    if (!opts.quiet) err.printf("nst: %s, %dx%d, %s, %d iterations of %s, backend %s%n", what, w, h, o.model(),
                            o.iterations(), o.optimizer(), backend);
                }
                @Override public void evaluation(StyleTransfer.Evaluation e) { if (log != null) log.row(e); }
                @Override public void iteration(StyleTransfer.Progress p) { progress.update(p); }
                @Override public void intermediate(int iteration, Image image) { writeIntermediate(out, iteration, image); }
            }, cancel);
        } catch (StyleTransfer.TransferFailedException e) {     // NaN loss (exit 3) or device failure (exit 1)
            progress.finish();
            NstException logError = close(log);
            if (logError != null) err.println("nst: " + logError.getMessage());
            if (e.lastGood() != null) {
                Images.writePng(e.lastGood().image(), out, metadata(o, opts, inputs, e.lastGood()));
                err.println("nst: the last good image (iteration " + e.lastGood().iterations() + ") was written to " + out);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            close(log);
            throw e;
        }
        progress.finish();
        NstException logError = close(log);                   // reported after the image is safe
        Images.writePng(result.image(), out, metadata(o, opts, inputs, result));
        LossTerms t = result.finalTerms();
        if (!opts.quiet) {
            err.printf(Locale.ROOT, "nst: %s after %d iterations (%d evaluations) in %.1f s: loss %.4g (content %.4g, style %.4g, tv %.4g)%n",
                    (result.cancelled() ? "cancelled; wrote the last good image to " : "wrote ") + out,
                    result.iterations(), result.evaluations(), result.seconds(), t.total(), t.content(), t.style(), t.tv());
        }
        if (logError != null) throw logError;
        return result.cancelled() ? 130 : 0;
    }

    /** {@code --method adain}: one feed-forward pass (seconds), the PNG with the same metadata as a Gatys result. */
    private int adain(StyleOptions o, TransferOptions opts, Path out, String what, List<String> inputs) throws IOException {
        if (!opts.quiet) err.printf("nst: %s, AdaIN (feed-forward), alpha %s%n", what, TransferOption.ALPHA.parseNumber(o.text(TransferOption.ALPHA)));
        AdaInTransfer.Result r = new AdaInTransfer(msg -> err.println("nst: " + msg)).run(o);
        Map<String, String> meta = metadata(o, opts, inputs, null);
        meta.put("nst:backend", r.backend());
        meta.put("nst:weights-source", r.weightsSource());
        Images.writePng(r.image(), out, meta);
        if (!opts.quiet)
            err.printf(Locale.ROOT, "nst: wrote %s (%dx%d) in %.2f s on %s%n", out, r.image().width(), r.image().height(), r.seconds(), r.backend());
        return 0;
    }

    /** Closes (and renames into place) the loss log; its failure, or null. */
    private static NstException close(LossLog log) {
        if (log == null) return null;
        try {
            log.close();
            return null;
        } catch (NstException e) {
            return e;
        }
    }

    /** Writes the image of {@code iteration} next to {@code out} (--save-every). */
    static void writeIntermediate(Path out, int iteration, Image image) {
        Path p = intermediatePath(out, iteration);
        try {
            Images.writePng(image, p, null);
        } catch (IOException ex) {
            throw new NstException("cannot write intermediate image " + p + ": " + Main.Errors.describe(ex), ex);
        }
    }

    static Path intermediatePath(Path out, int iteration) {
        String name = out.getFileName().toString();
        String stem = name.substring(0, name.length() - 4);
        return out.resolveSibling(String.format("%s_%04d.png", stem, iteration));
    }

    /** The options as PNG tEXt entries, so a result says how it was made. */
    static Map<String, String> metadata(StyleOptions o) { return metadata(o, null, List.of()); }

    /**
     * The options as PNG tEXt entries: "nst:options" holds command-line arguments that reproduce the run
     * ({@code nst stylize --like IMAGE.png} reads them back), "nst:seed" the seed.
     */
    static Map<String, String> metadata(StyleOptions o, TransferOptions t, List<String> inputs) {
        return metadata(o, t, inputs, null);
    }

    /** As above, plus "nst:backend" and "nst:weights-source" of the run that made the image (when {@code result} is given). */
    static Map<String, String> metadata(StyleOptions o, TransferOptions t, List<String> inputs, StyleTransfer.Result result) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "nst (pure-Java neural style transfer)");
        m.put("nst:seed", Long.toString(o.seed()));
        m.put("nst:options", ShellWords.join(arguments(o, t, inputs)));
        if (t == null && (!o.controls().masks().isEmpty() || o.controls().initImage() != null))
            m.put("nst:note", "masks or the initial image were given as images, not files: not in nst:options");
        if (result != null) {
            m.put("nst:backend", result.backend());
            m.put("nst:weights-source", result.weightsSource());
        }
        return m;
    }

    /**
     * Every option of the run that the catalogue records (those that shape the picture, and the machine settings
     * for the record) as arguments, numbers as Java prints them so they read back exactly; file paths absolute.
     * Output paths are not recorded: {@code --like} must never write where a picture says.
     */
    static List<String> arguments(StyleOptions o, TransferOptions t, List<String> inputs) {
        List<String> a = new ArrayList<>(inputs);
        for (TransferOption opt : TransferOption.values()) {
            if (opt.kind() != TransferOption.Kind.PICTURE && opt.kind() != TransferOption.Kind.MACHINE) continue;
            String v = o.recordedText(opt);
            if (v == null) continue;
            if (opt.type() == TransferOption.Type.FLAG) a.add(Boolean.parseBoolean(v) ? opt.flag() : "--no-" + opt.id());
            else if (!(opt == TransferOption.MEMORY_BUDGET && v.equals("0"))) a.addAll(List.of(opt.flag(), v));
        }
        if (t != null) {
            for (TransferOption opt : List.of(TransferOption.MASK, TransferOption.INIT_IMAGE))
                for (Path p : t.paths(opt)) a.addAll(List.of(opt.flag(), p.toAbsolutePath().normalize().toString()));
        }
        return a;
    }

    /** CSV loss log written to a temporary file and renamed over the target when closed (also after a failure). */
    static final class LossLog implements AutoCloseable {
        static final String HEADER = "iteration,evaluation,seconds,total,content,style,tv";
        private final Path target, tmp;
        private final BufferedWriter w;

        LossLog(Path target) throws IOException {
            this.target = target.toAbsolutePath();
            this.tmp = AtomicFiles.temporarySibling(this.target);
            this.w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
            w.write(HEADER);
            w.newLine();
        }

        void row(StyleTransfer.Evaluation e) {
            try {
                LossTerms t = e.terms();
                w.write(String.format(Locale.ROOT, "%d,%d,%.4f,%.9g,%.9g,%.9g,%.9g", e.iteration(), e.evaluation(), e.seconds(),
                        t.total(), t.content(), t.style(), t.tv()));
                w.newLine();
            } catch (IOException ex) {
                throw new NstException("cannot write loss log " + target + ": " + ex.getMessage(), ex);
            }
        }

        @Override
        public void close() {
            try {
                w.close();
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ex) {
                throw new NstException("cannot write loss log " + target + ": " + Main.Errors.describe(ex), ex);
            }
        }
    }

    /**
     * A progress bar when stderr (where progress goes) is a terminal; plain lines otherwise: iteration 1, every
     * 10th, the last, and at least one every 10 s. NST_PLAIN_PROGRESS (any value) forces plain lines.
     */
    static final class Progress {
        private final PrintStream err;
        private final boolean quiet, terminal;
        private long lastLine;
        private boolean drawn;

        Progress(PrintStream err, boolean quiet) {
            this(err, quiet, System.getenv("NST_PLAIN_PROGRESS") == null && stderrIsTerminal());
        }

        Progress(PrintStream err, boolean quiet, boolean terminal) {
            this.err = err;
            this.quiet = quiet;
            this.terminal = terminal;
        }

        /**
         * Whether file descriptor 2 is a terminal. On Linux /proc/self/fd/2 links to the device (/dev/pts/N,
         * /dev/ttyN, /dev/console for a terminal; a pipe, a file or /dev/null otherwise). Where there is no
         * /proc, System.console() is the best guess left (it looks at stdin and stdout, not stderr).
         */
        static boolean stderrIsTerminal() {
            Path fd2 = Path.of("/proc/self/fd/2");
            try {
                return isTerminalDevice(Files.readSymbolicLink(fd2).toString());
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                java.io.Console c = System.console();
                return c != null && c.isTerminal();
            }
        }

        static boolean isTerminalDevice(String path) {
            return path.startsWith("/dev/pts/") || path.startsWith("/dev/tty") || path.equals("/dev/console");
        }

        void update(StyleTransfer.Progress p) {
            if (quiet) return;
            int total = p.iterations();              // the stage's (tiled refinement: tile iterations of all rounds)
            String stats = String.format(Locale.ROOT, "iteration %d/%d  loss %.4g  %.2f s/it  ETA %s", p.iteration(), total,
                    p.terms().total(), p.secondsPerIteration(), clock(p.etaSeconds()));
            if (terminal) {
                int width = 30, done = total == 0 ? width : (int) ((long) width * p.iteration() / total);
                err.print("\r[" + "#".repeat(done) + ".".repeat(width - done) + "] " + stats + "   ");
                drawn = true;
            } else {
                long now = System.nanoTime();
                if (p.iteration() == 1 || p.iteration() % 10 == 0 || p.iteration() == total || now - lastLine > 10_000_000_000L) {
                    err.println("nst: " + stats);
                    lastLine = now;
                }
            }
        }

        void finish() {
            if (drawn) err.println();
            drawn = false;
        }

        static String clock(double s) {
            long t = Math.round(s);
            return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
        }
    }
}
