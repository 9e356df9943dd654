package nst.app;

import nst.engine.image.Image;
import nst.engine.io.AtomicFiles;
import nst.app.web.ExplainReport;
import nst.app.web.Inspector;
import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code nst explain}: runs one transfer and writes a self-contained HTML report of its step-through
 * (the studio's view, static), one stage per --scales entry. Leaves out the PNG output of stylize (the result
 * is inside the report) and --tile, which it refuses: tiled refinement has no whole image to step through.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = TransferOptions.Flags.class,
        description = "Run a transfer and write a self-contained HTML report that steps through the algorithm.")
final class ExplainCommand implements Callable<Integer>, TransferOptions.Command {
    @Option(names = {"--out", "-o"}, required = true, paramLabel = "HTML", description = "The report (.html).")
    Path out;

    @Option(names = "--snapshots", description = "Most saved iterations in the report (default: ${DEFAULT-VALUE}).")
    int snapshots = 12;

    /** A small quick run by default; the report is the output, so no loss log. */
    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions(Map.of(TransferOption.SIZE, "128", TransferOption.ITERATIONS, "50"),
            EnumSet.of(TransferOption.LOSS_LOG), EnumSet.of(TransferOption.CONTENT, TransferOption.STYLE));

    @Spec
    CommandSpec spec;

    @Override public TransferOptions options() { return options; }

    @Override
    public Integer call() throws Exception {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".html") && !name.endsWith(".htm")) throw new NstException("--out: " + out + " must end in .html");
        if (snapshots < 1) throw new NstException("--snapshots must be at least 1, got " + snapshots);
        options.read(spec.commandLine().getParseResult());
        Path content = options.paths(TransferOption.CONTENT).get(0);
        List<Path> styles = options.paths(TransferOption.STYLE);
        Image c = nst.engine.image.Images.read(content);
        List<Image> s = TransferRunner.readAll(styles);
        StyleOptions o = options.toOptions(c, s);
        if (o.controls().tile() > 0)
            throw new NstException("--tile: nst explain cannot step through tiled refinement (each evaluation sees one tile, not the image);"
                    + " leave out --tile here, or use nst stylize or the studio");
        int stages = o.controls().schedule(o.size()).length;
        // Without --save-every, about ten evenly spaced snapshots over all scales. The engine itself saves nothing:
        // the report takes its own pictures.
        int every = o.saveEvery() > 0 ? o.saveEvery() : Math.max(1, (int) Math.ceil(o.iterations() * stages / 10.0));
        o = o.toBuilder().saveEvery(0).build();
        AtomicFiles.checkWritable(out);
        Inspector ins = new Inspector(o, every, snapshots);
        TransferRunner.Progress progress = new TransferRunner.Progress(System.err, options.quiet);
        try (TransferRunner.Interrupts interrupts = new TransferRunner.Interrupts(System.err)) {
            StyleTransfer.Result r;
            try {
                r = new StyleTransfer(msg -> System.err.println("nst: " + msg)).run(o, new StyleTransfer.Listener() {
                    @Override public void started(String backend, int width, int height) { ins.stage(width, height); }
                    @Override public void iteration(StyleTransfer.Progress p) {
                        ins.record(p);
                        progress.update(p);
                    }
                }, interrupts.cancellation);
            } finally {
                progress.finish();
            }
            String what = content.getFileName() + " in the style of " + String.join(", ", styles.stream().map(p -> p.getFileName().toString()).toList());
            ExplainReport.write(out, what, o, every, r, ins);          // after Ctrl-C too: the report of what ran
            if (!options.quiet) System.err.println("nst: wrote " + out + " (" + ins.savedIterations().size() + " saved iterations)");
            return r.cancelled() ? 130 : 0;
        }
    }
}
