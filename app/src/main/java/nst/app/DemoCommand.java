package nst.app;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.NstException;
import nst.engine.TransferOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nst demo}: the README's main job. Stylizes the bundled Tübingen photo with The Starry Night into
 * out/demo.png, at a size and iteration count that finish in a few minutes on 2 cores.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, modelTransformer = TransferOptions.Flags.class,
        description = "Stylize the bundled example photo with a bundled painting into out/demo.png.")
final class DemoCommand implements Callable<Integer>, TransferOptions.Command {

    @Option(names = {"--out", "-o"}, paramLabel = "PNG", description = "Output PNG (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "demo.png");

    @Option(names = "--style-image", paramLabel = "NAME", description = "Bundled painting: starry_night, the_scream, shipwreck, woman-with-hat-matisse (default: ${DEFAULT-VALUE}).")
    String style = "starry_night";

    /** The demo starts from the catalogue's quick start (a few minutes on two cores) and takes no content or style files. */
    @Mixin
    TransferOptions options = new TransferOptions(TransferOption.quickStart(),
            EnumSet.of(TransferOption.CONTENT, TransferOption.STYLE), EnumSet.noneOf(TransferOption.class));

    @Spec
    CommandSpec spec;

    @Override public TransferOptions options() { return options; }

    /** The content layers and TV weight follow the weights (random ones: relu2_2, lighter TV) as for every transfer. */
    @Override
    public Integer call() throws IOException {
        options.read(spec.commandLine().getParseResult());
        Image content = example("tubingen.jpg");
        Image style = example(this.style + ".jpg");
        return new TransferRunner().run(content, List.of(style), out, options, "tubingen.jpg in the style of " + this.style + ".jpg");
    }

    /** A bundled example image (inside the jar under nst/examples/). */
    static Image example(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/nst/examples/" + name)) {
            if (in == null) throw new NstException("no bundled example image '" + name + "'");
            return Images.decode(in.readAllBytes(), name);
        }
    }
}
