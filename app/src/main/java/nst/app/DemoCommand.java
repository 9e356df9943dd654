package nst.app;

import nst.engine.NstException;
import nst.engine.WeightsLookup;
import nst.engine.image.Image;
import nst.engine.image.Images;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nst demo}: the README's main job. Stylizes the bundled Tübingen photo with The Starry Night into
 * out/demo.png, at a size and iteration count that finish in a few minutes on 2 cores.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Stylize the bundled example photo with a bundled painting into out/demo.png.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = {"--out", "-o"}, paramLabel = "PNG", description = "Output PNG (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "demo.png");

    @Option(names = "--style-image", paramLabel = "NAME", description = "Bundled painting: starry_night, the_scream, shipwreck, woman-with-hat-matisse (default: ${DEFAULT-VALUE}).")
    String style = "starry_night";

    @Mixin
    TransferOptions options = demoDefaults();

    static TransferOptions demoDefaults() {
        TransferOptions o = new TransferOptions();
        o.size = 384;
        o.iterations = 150;
        return o;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        // Random VGG weights keep fine detail only in shallow layers: with them (no pretrained file), the demo
        // takes its content from relu2_2 and a lighter TV term unless those options were given.
        boolean pretrained = !WeightsLookup.isRandom(options.weights, options.model);
        var parsed = spec.commandLine().getParseResult();
        if (!pretrained) {
            if (!parsed.hasMatchedOption("--content-layers")) options.contentLayers = "relu2_2";
            if (!parsed.hasMatchedOption("--tv-weight")) options.tvWeight = 1e-5;
        }
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
