package nst.convert.cli;

import nst.convert.Converter;
import nst.convert.Downloader;
import nst.convert.Fetcher;
import nst.convert.OfficialWeights;
import nst.engine.WeightsLookup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nst weights fetch vgg19|vgg16|resnet50|adain [--source keras|torchvision|gatys|caffe|pytorch-adain] [--url URL] [--dir DIR]}:
 * download the official file, check its published checksum, convert it, store it where the engine looks.
 * Leaves out any other download source than the published addresses (or a mirror given with --url).
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Download official VGG, ResNet-50 or AdaIN weights, check their published checksum and convert them.",
                "Default source: keras for VGG (the original Caffe-trained VGG without fully connected layers: smallest download, MD5 published),",
                "torchvision for resnet50 (IMAGENET1K_V1), pytorch-adain for adain (naoto0804/pytorch-AdaIN release v0.0.0, no checksum published)."})
public class FetchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "vgg19|vgg16|resnet50|adain")
    String arch;

    @Option(names = "--source", paramLabel = "keras|torchvision|gatys|caffe|pytorch-adain", description = "who publishes the file (default: keras for VGG, torchvision for resnet50, pytorch-adain for adain)")
    String source;

    @Option(names = "--url", paramLabel = "URL", description = "download from this address instead (a mirror); the published checksum still applies")
    URI url;

    @Option(names = "--dir", paramLabel = "DIR", description = "where the weights go (default: the engine's weights directory, e.g. ~/.cache/nst)")
    Path dir;

    @Option(names = "--keep-download", description = "keep the downloaded original in DIR/downloads")
    boolean keep;

    @Override
    public Integer call() {
        return Errors.run(spec, () -> {
            java.util.List<OfficialWeights.Entry> es = new java.util.ArrayList<>(OfficialWeights.findAll(arch, source));
            if (url != null) {
                if (es.size() != 1) throw new nst.engine.NstException("--url names one file; " + arch + " is " + es.size() + " files: mirror them and use 'nst weights convert'");
                es.set(0, es.getFirst().withUrl(url));
            }
            Path d = dir != null ? dir : WeightsLookup.defaultDir();
            PrintStream err = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
            for (OfficialWeights.Entry e : es)
                spec.commandLine().getErr().println("fetching " + e.arch() + " (" + e.source().id() + ") from " + e.url());
            Converter.Result r = Fetcher.fetch(es, d, keep, new Downloader(err), err);
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "wrote %s: %s, preprocess %s, %,d parameters%n", r.out(), r.arch(),
                    r.preprocess() == null ? "none" : r.preprocess().id(), r.parameters());
            o.flush();
            return 0;
        });
    }

    /** Bridges picocli's PrintWriter (so tests can capture stderr) to the PrintStream the downloader writes. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final PrintWriter w;
        WriterOutputStream(PrintWriter w) { this.w = w; }
        @Override public void write(int b) { w.write(b); }
        @Override public void write(byte[] b, int off, int len) { w.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8)); }
        @Override public void flush() { w.flush(); }
    }
}
