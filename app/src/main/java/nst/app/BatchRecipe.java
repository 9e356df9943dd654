package nst.app;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.batch.Batch;
import nst.engine.batch.BatchJob;
import nst.engine.image.Image;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code nst batch} makes of its transfer options, for callers outside the command line (nst-spark): the
 * options of one content and one style image, and the PNG tEXt entries of the output ({@code nst:options} is the
 * entry whose match makes a rerun skip the output). {@code nst batch} itself uses it, so both write the same bytes.
 * Leaves out where the inputs come from: {@link #metadata} takes their names as the caller records them.
 */
public final class BatchRecipe {
    /** The catalogue options nst batch does not take: its inputs come from --content/--style, and one loss log cannot hold many runs. */
    static final Set<TransferOption> BATCH_LEFT = EnumSet.of(TransferOption.CONTENT, TransferOption.STYLE, TransferOption.LOSS_LOG);

    private final TransferOptions options;

    BatchRecipe(TransferOptions options) { this.options = options; }

    /**
     * Parses stylize's transfer options as nst batch takes them ({@code --size 64 --iterations 5 ...}).
     *
     * @param left further options refused (named in the error as not taken here)
     * @throws NstException one line naming the bad option
     */
    public static BatchRecipe parse(List<String> args, Set<TransferOption> left) {
        Set<TransferOption> l = EnumSet.copyOf(BATCH_LEFT);
        l.addAll(left);
        Parsed p = new Parsed(new TransferOptions(Map.of(), l, EnumSet.noneOf(TransferOption.class)));
        CommandLine cl = new CommandLine(p);
        try {
            CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
            p.options.read(r);
        } catch (CommandLine.ParameterException e) {
            throw new NstException(e.getMessage());
        }
        return new BatchRecipe(p.options);
    }

    /** {@link #parse(List, Set)} of one line of shell words ({@code --size 64 --style-weight 1e5}). */
    public static List<String> words(String line) { return ShellWords.split(line); }

    /** Whether the options named this one (e.g. --threads). */
    public boolean given(TransferOption o) { return options.given(o); }

    /** The validated options for one content and one style image. */
    public StyleOptions options(Image content, Image style) { return options.toOptions(content, List.of(style)); }

    /**
     * The tEXt entries of an output, as nst batch writes them.
     *
     * @param content the content image as recorded (nst batch: its absolute, normalised path)
     * @param style   the style image as recorded
     * @param result  the run that made it, or null for what would be recorded (the skip check)
     */
    public Map<String, String> metadata(String content, String style, StyleOptions o, StyleTransfer.Result result) {
        List<String> inputs = new ArrayList<>(List.of("--content", content, "--style", style));
        return TransferRunner.metadata(o, options, inputs, result);
    }

    /** nst batch's recipe: inputs recorded by their absolute, normalised paths. */
    public Batch.Recipe forBatch() {
        return new Batch.Recipe() {
            @Override public StyleOptions options(Image content, Image style) { return BatchRecipe.this.options(content, style); }

            @Override public Map<String, String> metadata(BatchJob job, StyleOptions o, StyleTransfer.Result result) {
                return BatchRecipe.this.metadata(job.content().toAbsolutePath().normalize().toString(),
                        job.style().toAbsolutePath().normalize().toString(), o, result);
            }
        };
    }

    @Command(name = "batch-options", modelTransformer = TransferOptions.Flags.class)
    static final class Parsed implements TransferOptions.Command {
        @CommandLine.Mixin TransferOptions options;

        Parsed(TransferOptions options) { this.options = options; }

        @Override public TransferOptions options() { return options; }
    }
}
