package nst.convert;

import nst.engine.WeightsException;
import nst.engine.io.AtomicFiles;
import nst.engine.io.SafeTensors;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.io.WeightsLimits;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Converts a VGG weights file of any supported {@link Format} to the engine's safetensors format, one
 * tensor at a time: detect the format, read the conv layers' descriptions, check them against the VGG
 * spec as {@code VggWeights.fromTensors} does (every conv present, shapes, finite values), stream them to
 * a temporary file and rename it (a failure leaves no output). Leaves out the fully connected layers.
 */
public final class Converter {
    private Converter() {}

    /**
     * @param arch       vgg16 | vgg19 when the file is ambiguous or to insist on one; null: from the file
     * @param preprocess overrides the preprocessing the format implies; null: the format's
     * @param source     overrides the metadata "source"; null: file name and format
     */
    public record Options(String arch, Preprocess preprocess, String source) {
        public static Options defaults() { return new Options(null, null, null); }
    }

    /** What was written. */
    public record Result(Path out, Format format, String arch, Preprocess preprocess, String source,
                         int convLayers, long parameters, List<String> notes) {}

    /** Which architecture a file holds (reads only the descriptions, no tensor data). */
    public static String detectArch(Path in, String requestedArch) throws IOException {
        try (SourceModel m = Format.detect(in).read(in, requestedArch)) {
            return m.arch();
        }
    }

    public static Result convert(Path in, Path out, Options o) throws IOException {
        return convert(in, arch -> out, o);
    }

    /** As {@link #convert(Path, Path, Options)}, the output path chosen once the architecture is known. */
    public static Result convert(Path in, Function<String, Path> outForArch, Options o) throws IOException {
        Format format = Format.detect(in);
        try (SourceModel m = format.read(in, o.arch())) {
            String where = in.toString();
            VggSpec spec = check(where, m);
            Path out = outForArch.apply(spec.arch());
            AtomicFiles.checkWritable(out);
            Preprocess pre = o.preprocess() != null ? o.preprocess() : m.preprocess();
            String source = o.source() != null ? o.source() : m.description();
            List<SafeTensors.TensorSpec> specs = new ArrayList<>();
            Map<String, SourceTensor> byName = new LinkedHashMap<>();
            long params = 0;
            for (VggSpec.Layer l : spec.convLayers()) {
                SourceModel.Conv c = m.convs().get(l.name());
                for (var e : Map.of(l.name() + ".weight", c.weight(), l.name() + ".bias", c.bias()).entrySet()) {
                    specs.add(new SafeTensors.TensorSpec(e.getKey(), e.getValue().shape()));
                    byName.put(e.getKey(), e.getValue());
                    params += e.getValue().elements();
                }
            }
            Map<String, String> meta = Map.of("arch", spec.arch(), "preprocess", pre.id(), "source", source);
            SafeTensors.write(out, meta, specs, s -> readTensor(where, s.name(), byName.get(s.name())));
            return new Result(out, format, spec.arch(), pre, source, spec.convLayers().size(), params, m.notes());
        }
    }

    /**
     * The checks of {@code VggWeights.fromTensors}, on descriptions: every conv of the architecture is
     * there, no other conv is, shapes agree with the spec whose block widths are read from each block's
     * first conv (as {@code VggWeights.load} infers them, so narrow test nets convert too).
     */
    static VggSpec check(String where, SourceModel m) {
        checkPlausible(where, m);
        VggSpec spec = VggSpec.of(m.arch());
        int[] widths = spec.widths();
        for (int b = 1; b <= 5; b++) {
            SourceModel.Conv c = m.convs().get("conv" + b + "_1");
            if (c != null && c.weight() != null && c.weight().shape().length == 4 && c.weight().shape()[0] > 0)
                widths[b - 1] = c.weight().shape()[0];
        }
        if (!Arrays.equals(widths, spec.widths())) spec = spec.withWidths(widths);
        List<String> missing = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (VggSpec.Layer l : spec.convLayers()) {
            expected.add(l.name());
            SourceModel.Conv c = m.convs().get(l.name());
            if (c == null) missing.add(l.name());
            else {
                if (c.weight() == null) missing.add(l.name() + ".weight");
                if (c.bias() == null) missing.add(l.name() + ".bias");
            }
        }
        if (!missing.isEmpty())
            throw new WeightsException(where + ": missing layers for " + spec.arch() + ": " + String.join(", ", missing));
        for (String name : m.convs().keySet())
            if (!expected.contains(name))
                throw new WeightsException(where + ": unexpected layer '" + name + "' (not a conv layer of " + spec.arch() + ")");
        for (VggSpec.Layer l : spec.convLayers()) {
            SourceModel.Conv c = m.convs().get(l.name());
            int[] ws = c.weight().shape(), bs = c.bias().shape();
            int[] wantW = {l.outChannels(), l.inChannels(), 3, 3};
            if (!Arrays.equals(ws, wantW))
                throw new WeightsException(where + ": tensor '" + l.name() + ".weight' has shape " + Arrays.toString(ws)
                        + ", expected " + Arrays.toString(wantW) + " for " + spec.arch());
            if (bs.length != 1 || bs[0] != l.outChannels())
                throw new WeightsException(where + ": tensor '" + l.name() + ".bias' has shape " + Arrays.toString(bs)
                        + ", expected [" + l.outChannels() + "]");
        }
        return spec;
    }

    /**
     * Every format alike: no tensor with a dimension, or a network with a parameter count, beyond what a
     * VGG could have (WeightsLimits), whatever the spec inferred from the first convs would accept.
     */
    private static void checkPlausible(String where, SourceModel m) {
        long total = 0;
        for (Map.Entry<String, SourceModel.Conv> e : m.convs().entrySet()) {
            SourceModel.Conv c = e.getValue();
            if (c.weight() != null) total += WeightsLimits.checkedElements(where + ": tensor '" + e.getKey() + ".weight'", c.weight().shape(), WeightsLimits.MAX_DIMENSION);
            if (c.bias() != null) total += WeightsLimits.checkedElements(where + ": tensor '" + e.getKey() + ".bias'", c.bias().shape(), WeightsLimits.MAX_DIMENSION);
        }
        if (total > WeightsLimits.MAX_CONV_PARAMETERS)
            throw new WeightsException(where + ": its conv layers hold " + total + " values; VGG19's hold 20 M (limit " + WeightsLimits.MAX_CONV_PARAMETERS + ")");
    }

    /**
     * One tensor's values, finite; any failure to read them (a corrupt zip entry, a format library's
     * exception) is a WeightsException naming the file and the tensor.
     */
    static float[] readTensor(String where, String name, SourceTensor t) {
        float[] v;
        try {
            v = t.read();
        } catch (WeightsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightsException(where + ": cannot read tensor '" + name + "' (" + e.getMessage() + "); nothing was written");
        }
        checkFinite(where, name, v);
        return v;
    }

    static void checkFinite(String where, String name, float[] v) {
        for (int i = 0; i < v.length; i++)
            if (!Float.isFinite(v[i]))
                throw new WeightsException(where + ": tensor '" + name + "' has a non-finite value (" + v[i] + ") at index " + i + "; nothing was written");
    }
}
