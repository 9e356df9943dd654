package nst.convert.cli;

import nst.convert.AdaInLayout;
import nst.convert.Downloader;
import nst.convert.ResNetLayout;
import nst.convert.Format;
import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nst weights info FILE}: what an nst weights file holds (arch, preprocessing, source, each
 * layer's shape, parameter count, SHA-256), after the engine's own validation. A file in another format
 * is named and pointed to {@code convert}. Leaves out printing values.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe an nst weights file (safetensors): VGG, ResNet-50 or AdaIN.")
public class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
        return Errors.run(spec, () -> {
            if (!Files.isRegularFile(file)) throw new WeightsException("file not found: " + file);
            if (!looksLikeSafetensors(file)) {
                Format f = Format.detect(file);
                throw new WeightsException(file + " is a " + f.description() + " file, not nst's format: convert it with 'nst weights convert " + file + "'");
            }
            String arch;
            try (SafeTensors.Reader r = SafeTensors.open(file)) {
                arch = r.metadata().get("arch");
            }
            if ("adain".equals(arch) || "resnet50".equals(arch)) return describeNamed(arch);
            VggWeights w = VggWeights.load(file);                 // the engine's validation
            PrintWriter o = spec.commandLine().getOut();
            o.println("file:        " + file);
            o.println("arch:        " + w.spec());
            o.println("preprocess:  " + w.preprocess().id());
            o.println("source:      " + w.source());
            long params = 0;
            try (SafeTensors.Reader r = SafeTensors.open(file)) {
                o.println("layers:");
                for (VggSpec.Layer l : w.spec().convLayers()) {
                    int[] ws = r.entry(l.name() + ".weight").shape(), bs = r.entry(l.name() + ".bias").shape();
                    params += r.entry(l.name() + ".weight").elements() + r.entry(l.name() + ".bias").elements();
                    o.printf(Locale.ROOT, "  %-8s weight %-18s bias %s%n", l.name(), Arrays.toString(ws), Arrays.toString(bs));
                }
            }
            o.printf(Locale.ROOT, "parameters:  %,d%n", params);
            o.println("sha256:      " + Downloader.digest(file, "SHA-256"));
            o.flush();
            return 0;
        });
    }

    /**
     * An AdaIN or ResNet-50 file: metadata, then each tensor's shape, after the converter's own layout checks
     * (AdaInLayout, ResNetLayout) and a finiteness check of every value.
     */
    private int describeNamed(String arch) throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        long params = 0;
        try (SafeTensors.Reader r = SafeTensors.open(file)) {
            java.util.Map<String, int[]> shapes = new java.util.LinkedHashMap<>();
            for (var e : r.entries().entrySet()) shapes.put(e.getKey(), e.getValue().shape());
            String base = "";
            if (arch.equals("adain")) AdaInLayout.check(file.toString(), shapes);
            else base = ", stem width " + ResNetLayout.check(file.toString(), shapes);
            for (String n : shapes.keySet()) {
                float[] v = r.floats(n);
                for (int i = 0; i < v.length; i++)
                    if (!Float.isFinite(v[i])) throw new WeightsException(file + ": tensor '" + n + "' has a non-finite value at index " + i);
            }
            java.util.Map<String, String> m = r.metadata();
            o.println("file:        " + file);
            o.println("arch:        " + arch + (arch.equals("adain") ? " (vgg_normalised encoder + decoder)" : " (batch norm folded" + base + ")"));
            o.println("preprocess:  " + m.getOrDefault("preprocess", "?"));
            if (arch.equals("resnet50")) {
                String v = m.getOrDefault("variant", "v1.5");
                o.println("variant:     " + v + (v.equals("v1") ? " (stride on a stage's first 1×1 conv, Keras)" : " (stride on the 3×3 conv, torchvision)"));
            }
            o.println("source:      " + m.getOrDefault("source", "?"));
            o.println("layers:");
            for (String n : shapes.keySet()) {
                if (!n.endsWith(".weight")) continue;
                String c = n.substring(0, n.length() - 7);
                int[] bs = shapes.get(c + ".bias");
                params += r.entry(n).elements() + r.entry(c + ".bias").elements();
                o.printf(Locale.ROOT, "  %-20s weight %-18s bias %s%n", c, Arrays.toString(shapes.get(n)), Arrays.toString(bs));
            }
        }
        o.printf(Locale.ROOT, "parameters:  %,d%n", params);
        o.println("sha256:      " + Downloader.digest(file, "SHA-256"));
        o.flush();
        return 0;
    }

    private static boolean looksLikeSafetensors(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(9);
            return b.length == 9 && b[8] == '{';
        }
    }
}
