package nst.app;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.image.Images;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code nst stylize}: one style transfer from the command line. Every option maps to {@link StyleOptions}.
 * {@code --like IMAGE.png} reruns the options recorded in an nst output; options given explicitly win.
 */
@Command(name = "stylize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Render the content image in the style of one or more style images.")
final class StylizeCommand implements Callable<Integer> {

    @Option(names = "--content", paramLabel = "IMAGE", description = "Content image (PNG or JPEG); required unless --like names it.")
    Path content;

    @Option(names = "--style", paramLabel = "IMAGE", description = "Style image; repeat for several styles; required unless --like names them.")
    List<Path> styles = new ArrayList<>();

    @Option(names = {"--out", "-o"}, required = true, paramLabel = "PNG", description = "Output PNG.")
    Path out;

    @Option(names = "--like", paramLabel = "PNG",
            description = "Rerun with the options recorded in this nst output (its nst:options metadata); options given here override them.")
    Path like;

    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (like != null) return rerunLike();
        if (content == null) throw new NstException("--content: a content image is required (or --like IMAGE.png)");
        if (styles.isEmpty()) throw new NstException("--style: at least one style image is required (or --like IMAGE.png)");
        return new TransferRunner().run(content, styles, out, options);
    }

    /** The recorded arguments, less those of options given on this command line, then this command line's own. */
    private int rerunLike() throws Exception {
        Map<String, String> text;
        try {
            text = Images.readPngText(like);
        } catch (java.io.IOException e) {
            throw new NstException("--like: cannot read " + like + ": " + e.getMessage());
        }
        String recorded = text.get("nst:options");
        if (recorded == null) throw new NstException("--like: " + like + " has no nst:options metadata (it was not written by nst stylize)");
        List<String> merged = mergeLike(spec, ShellWords.split(recorded), spec.commandLine().getParseResult());
        StylizeCommand again = new StylizeCommand();
        CommandLine cl = new CommandLine(again);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.parseArgs(merged.toArray(String[]::new));
        if (again.like != null) throw new IllegalStateException("--like survived the merge");
        return again.call();
    }

    static List<String> mergeLike(CommandSpec spec, List<String> recorded, CommandLine.ParseResult given) {
        Set<OptionSpec> explicit = new HashSet<>(given.matchedOptions());
        List<String> merged = new ArrayList<>();
        for (int i = 0; i < recorded.size(); i++) {
            String tok = recorded.get(i);
            OptionSpec o = spec.findOption(tok);
            if (o == null && tok.startsWith("--no-")) {          // the negated form of a negatable flag
                OptionSpec n = spec.findOption("--" + tok.substring(5));
                if (n != null && n.negatable()) o = n;
            }
            if (o == null) throw new NstException("--like: the recorded options name an unknown option " + tok + " (written by another nst version?)");
            boolean takesValue = o.arity().max() > 0 && !o.type().equals(boolean.class) && !o.type().equals(Boolean.class);
            if (takesValue && i + 1 >= recorded.size()) throw new NstException("--like: recorded option " + tok + " has no value");
            if (!explicit.contains(o)) {
                merged.add(tok);
                if (takesValue) merged.add(recorded.get(i + 1));
            }
            if (takesValue) i++;
        }
        List<String> own = given.originalArgs();
        int from = 0;
        if (spec.parent() != null) {               // the whole command line: skip up to this subcommand's name
            from = own.indexOf(spec.name()) + 1;
            if (from == 0) throw new IllegalStateException("subcommand " + spec.name() + " not in " + own);
        }
        for (int i = from; i < own.size(); i++) {
            String tok = own.get(i);
            if (tok.equals("--like")) { i++; continue; }
            if (tok.startsWith("--like=")) continue;
            merged.add(tok);
        }
        return merged;
    }
}
