package nst.app;

import nst.engine.OptionException;
import nst.engine.NstException;
import nst.engine.TransferOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nst stylize}: one style transfer from the command line. Its transfer options are the option catalogue's
 * ({@link TransferOptions}). {@code --like IMAGE.png} reruns the options recorded in an nst output that shape the
 * picture ({@link LikeOptions}); options given explicitly win.
 */
@Command(name = "stylize", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = TransferOptions.Flags.class,
        description = "Render the content image in the style of one or more style images.")
final class StylizeCommand implements Callable<Integer>, TransferOptions.Command {

    @Option(names = {"--out", "-o"}, required = true, paramLabel = "PNG", description = "Output PNG.")
    Path out;

    @Option(names = "--like", paramLabel = "PNG",
            description = "Rerun with the options recorded in this nst output that shape the picture (not its output paths or"
                    + " machine settings; input files only when they are regular files); options given here override them.")
    Path like;

    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions();

    @Spec
    CommandSpec spec;

    @Override public TransferOptions options() { return options; }

    @Override
    public Integer call() throws Exception {
        if (like != null) return likeCommand(like, spec, System.err).call();
        options.read(spec.commandLine().getParseResult());
        List<Path> content = options.paths(TransferOption.CONTENT), styles = options.paths(TransferOption.STYLE);
        if (content.isEmpty()) throw new OptionException("{}: a content image is required (or --like IMAGE.png)", TransferOption.CONTENT);
        if (styles.isEmpty()) throw new OptionException("{}: at least one style image is required (or --like IMAGE.png)", TransferOption.STYLE);
        return new TransferRunner().run(content.get(0), styles, out, options);
    }

    /**
     * The command that {@code --like} runs: the recorded options it takes, overridden by those of this command line
     * ({@code spec}'s parse result); what it ignored goes to {@code notices} in one line. Parsed, not run.
     */
    static StylizeCommand likeCommand(Path like, CommandSpec spec, PrintStream notices) {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        return likeCommand(LikeOptions.read(like, LikeOptions.flags(given)), like, spec, notices);
    }

    /** As above, from options already read and filtered. */
    static StylizeCommand likeCommand(LikeOptions.Recorded recorded, Path like, CommandSpec spec, PrintStream notices) {
        if (!recorded.ignored().isEmpty()) notices.println("nst: " + recorded.notice(like));
        List<String> merged = LikeOptions.merge(spec, recorded.kept(), spec.commandLine().getParseResult());
        StylizeCommand again = new StylizeCommand();
        CommandLine cl = new CommandLine(again);
        cl.setExpandAtFiles(false);                  // a recorded "@FILE" is a value, never a file of more arguments
        try {
            cl.parseArgs(merged.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new NstException("--like: the options recorded in " + like + " do not parse: " + LikeOptions.printable(e.getMessage()));
        }
        if (again.like != null) throw new IllegalStateException("--like survived the merge");
        return again;
    }
}
