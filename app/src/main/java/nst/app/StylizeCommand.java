package nst.app;

import nst.engine.StyleOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code nst stylize}: one style transfer from the command line. Every option maps to {@link StyleOptions}. */
@Command(name = "stylize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Render the content image in the style of one or more style images.")
final class StylizeCommand implements Callable<Integer> {

    @Option(names = "--content", required = true, paramLabel = "IMAGE", description = "Content image (PNG or JPEG).")
    Path content;

    @Option(names = "--style", required = true, paramLabel = "IMAGE", description = "Style image; repeat for several styles.")
    List<Path> styles = new ArrayList<>();

    @Option(names = {"--out", "-o"}, required = true, paramLabel = "PNG", description = "Output PNG.")
    Path out;

    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions();

    @Override
    public Integer call() throws Exception {
        return new TransferRunner().run(content, styles, out, options);
    }
}
