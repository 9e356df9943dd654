package nst.app;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.batch.Batch;
import nst.engine.batch.BatchJob;
import nst.engine.batch.Manifest;
import nst.engine.batch.Outcome;
import nst.engine.image.Image;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nst batch}: every content image in every style ({@link Batch}: one weights load, one backend), outputs named
 * by {@code --name-pattern} inside {@code --out-dir}, a {@link Manifest} there, progress over the whole batch on
 * stderr. Takes stylize's transfer options ({@link TransferOptions}) except --loss-log (one file for many runs).
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = TransferOptions.Flags.class,
        description = "Render every content image in every style image: resumable, with a manifest (manifest.jsonl) in --out-dir.")
final class BatchCommand implements Callable<Integer>, TransferOptions.Command {
    static final String DEFAULT_PATTERN = "{content}_{style}.png";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(content|style)}");

    @Option(names = "--content", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Content images: files, folders (their .png .jpg .jpeg .bmp .gif files) or globs.")
    List<String> contents;

    @Option(names = "--style", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Style images: files, folders or globs; each content image is rendered in each style.")
    List<String> styles;

    @Option(names = "--out-dir", required = true, paramLabel = "DIR", description = "Folder of the outputs and the manifest.")
    Path outDir;

    @Option(names = "--name-pattern", paramLabel = "PATTERN", defaultValue = DEFAULT_PATTERN,
            description = "Output file name: {content} and {style} are the input names without extension; must end in .png"
                    + " and name a file directly in --out-dir. Default: " + DEFAULT_PATTERN + ".")
    String namePattern;

    @Option(names = "--force", description = "Redo outputs that exist with the same recorded options (they are skipped otherwise).")
    boolean force;

    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions(Map.of(),
            BatchRecipe.BATCH_LEFT, EnumSet.noneOf(TransferOption.class));

    @Spec
    CommandSpec spec;

    private final PrintStream err = System.err;

    @Override public TransferOptions options() { return options; }

    @Override
    public Integer call() throws IOException {
        options.read(spec.commandLine().getParseResult());
        String patternError = patternError(namePattern);
        if (patternError != null) {
            spec.commandLine().getErr().println("nst: error: --name-pattern: " + patternError);
            return 2;
        }
        List<BatchJob> jobs = jobs(BatchInputs.expand(contents, "--content"), BatchInputs.expand(styles, "--style"));
        Files.createDirectories(outDir);
        Manifest manifest = new Manifest(outDir.resolve(Manifest.FILE_NAME));
        Report report = new Report(manifest, jobs.size());
        List<Outcome> outcomes;
        try (TransferRunner.Interrupts interrupts = new TransferRunner.Interrupts(err)) {
            outcomes = new Batch(recipe(), force, msg -> err.println("nst: " + msg)).run(jobs, report, interrupts.cancellation);
        }
        return report.summary(outcomes, jobs.size());
    }

    /** Why a name pattern is refused, or null: outputs never leave --out-dir. */
    static String patternError(String pattern) {
        if (pattern.contains("/") || pattern.contains("\\") || pattern.contains(".."))
            return "'" + pattern + "' must be a file name (no path separator, no '..'): outputs stay in --out-dir";
        if (!pattern.toLowerCase(Locale.ROOT).endsWith(".png")) return "'" + pattern + "' must end in .png (nst writes PNG)";
        return null;
    }

    /** Every content in every style, each named by the pattern; two jobs writing one file is an error. */
    private List<BatchJob> jobs(List<Path> contentPaths, List<Path> stylePaths) {
        List<BatchJob> jobs = new ArrayList<>();
        Map<Path, BatchJob> byOutput = new HashMap<>();
        Path dir = outDir.toAbsolutePath().normalize();
        for (Path c : contentPaths) {
            for (Path s : stylePaths) {
                Path out = dir.resolve(outputName(namePattern, c, s)).normalize();
                if (!dir.equals(out.getParent())) throw new IllegalStateException("output outside --out-dir: " + out);
                BatchJob job = new BatchJob(c, s, out);
                BatchJob before = byOutput.put(out, job);
                if (before != null)
                    throw new nst.engine.NstException("--name-pattern: " + before.content() + " in " + before.style() + " and " + c
                            + " in " + s + " would both be written to " + out + "; use a pattern with {content} and {style}");
                jobs.add(job);
            }
        }
        return jobs;
    }

    /** The pattern with {content} and {style} replaced (in one pass) by the file names without extension. */
    static String outputName(String pattern, Path content, Path style) {
        Matcher m = PLACEHOLDER.matcher(pattern);
        return m.replaceAll(r -> Matcher.quoteReplacement(stem(r.group(1).equals("content") ? content : style)));
    }

    static String stem(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** Stylize's options and metadata for each pair, so an output reads back with {@code nst stylize --like}. */
    private Batch.Recipe recipe() {
        return new BatchRecipe(options).forBatch();
    }

    /** Progress over the whole batch, each job's iterations and intermediates, the manifest, the final summary. */
    private final class Report implements Batch.Listener {
        private final Manifest manifest;
        private final BatchProgress progress;
        private TransferRunner.Progress iterations;

        Report(Manifest manifest, int total) {
            this.manifest = manifest;
            this.progress = new BatchProgress(total);
        }

        @Override public void starting(int index, int total, BatchJob job) {
            if (!options.quiet) err.println("nst: " + progress.line(index) + ": " + job.content().getFileName()
                    + " in the style of " + job.style().getFileName());
        }

        @Override public StyleTransfer.Listener transfer(BatchJob job) {
            iterations = new TransferRunner.Progress(err, options.quiet);
            TransferRunner.Progress p = iterations;
            return new StyleTransfer.Listener() {
                @Override public void iteration(StyleTransfer.Progress pr) { p.update(pr); }
                @Override public void intermediate(int iteration, Image image) {
                    TransferRunner.writeIntermediate(job.output(), iteration, image);
                }
            };
        }

        @Override public void finished(int index, int total, Outcome o) {
            if (iterations != null) iterations.finish();
            iterations = null;
            progress.finished(o);
            if (!options.quiet) err.println("nst: " + describe(o));
            try {
                manifest.add(o);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The end: one line per failure, the counts; exit 1 if any failed, 130 if interrupted, 0 otherwise. */
        int summary(List<Outcome> outcomes, int total) {
            long failed = 0, done = 0, skipped = 0;
            for (Outcome o : outcomes) {
                switch (o.status()) {
                    case DONE -> done++;
                    case SKIPPED -> skipped++;
                    case FAILED -> failed++;
                }
            }
            for (Outcome o : outcomes)
                if (o.status() == Outcome.Status.FAILED) err.println("nst: failed: " + o.job().output().getFileName() + ": " + o.reason());
            boolean interrupted = outcomes.size() < total;
            err.printf("nst: batch %s: %d done, %d skipped, %d failed%s; manifest %s%n", interrupted ? "interrupted" : "finished",
                    done, skipped, failed, interrupted ? ", " + (total - outcomes.size()) + " not run" : "",
                    outDir.resolve(Manifest.FILE_NAME));
            return failed > 0 ? 1 : interrupted ? 130 : 0;
        }
    }

    static String describe(Outcome o) {
        Path out = o.job().output();
        return switch (o.status()) {
            case DONE -> String.format(Locale.ROOT, "wrote %s in %.1f s (loss %.4g)", out, o.seconds(), o.finalLoss());
            case SKIPPED -> "skipped " + out + ": it exists with the same options (--force redoes it)";
            case FAILED -> "failed " + out + ": " + o.reason();
        };
    }

    /** "image i/N, ETA m:ss": the ETA is the mean time of the images made so far times the images left. */
    static final class BatchProgress {
        private final int total;
        private int made, ended;
        private double madeSeconds;

        BatchProgress(int total) { this.total = total; }

        void finished(Outcome o) {
            ended++;
            if (o.status() == Outcome.Status.DONE) {
                made++;
                madeSeconds += o.seconds();
            }
        }

        String line(int index) {
            String eta = made == 0 ? "ETA unknown" : "ETA " + TransferRunner.Progress.clock(madeSeconds / made * (total - ended));
            return "image " + (index + 1) + "/" + total + ", " + eta;
        }
    }
}
