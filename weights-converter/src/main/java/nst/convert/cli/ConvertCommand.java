package nst.convert.cli;

import nst.convert.Converter;
import nst.engine.WeightsLookup;
import nst.engine.network.Preprocess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nst weights convert IN [IN2] [--out OUT] [--arch vgg16|vgg19|resnet50|adain]}: any supported file to the
 * engine's safetensors, by default at the engine's default location; AdaIN's two files (vgg_normalised.pth and
 * decoder.pth, either order) to one. Leaves out downloading (see fetch).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert VGG weights (PyTorch .pth, Keras .h5, Caffe .caffemodel, MatConvNet .mat), ResNet-50 weights"
                + " (torchvision .pth, Keras .h5; batch norm folded into the convs) or AdaIN's vgg_normalised.pth + decoder.pth to nst's safetensors.",
                "The format and network are recognised from the content, not the extension."})
public class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0..1", arity = "1..2", paramLabel = "IN", description = "the weights file to convert (two for AdaIN: vgg_normalised.pth decoder.pth, any order)")
    List<Path> in;

    @Option(names = "--out", paramLabel = "OUT", description = "output file (default: the engine's default location, e.g. ~/.cache/nst/vgg19.safetensors, resnet50.safetensors, adain.safetensors)")
    Path out;

    @Option(names = "--arch", paramLabel = "vgg16|vgg19|resnet50|adain", description = "the architecture, when the file does not say or to insist on one")
    String arch;

    @Option(names = "--preprocess", paramLabel = "torchvision|caffe", description = "override the preprocessing the format implies")
    String preprocess;

    @Override
    public Integer call() {
        return Errors.run(spec, () -> {
            Preprocess pre = preprocess == null ? null : Preprocess.of(preprocess.toLowerCase(Locale.ROOT));
            Converter.Result r = Converter.convert(in, a -> out != null ? out : WeightsLookup.defaultFile(a),
                    new Converter.Options(arch, pre, null));
            PrintWriter o = spec.commandLine().getOut();
            for (String n : r.notes()) o.println("note: " + n);
            o.printf(Locale.ROOT, "wrote %s: %s, preprocess %s, %d conv layers, %,d parameters (from %s)%n",
                    r.out(), r.arch(), r.preprocess() == null ? "none" : r.preprocess().id(), r.convLayers(), r.parameters(), r.format().description());
            o.flush();
            return 0;
        });
    }
}
