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

    /** Architectures the converter writes; the first two are VGG. */
    public static final List<String> ARCHS = List.of("vgg16", "vgg19", "resnet50", "adain");

    /** Normalises and checks a user's --arch value (null stays null). */
    public static String requestedArch(String arch) {
        if (arch == null) return null;
        String a = arch.toLowerCase(java.util.Locale.ROOT);
        if (!ARCHS.contains(a)) throw new WeightsException("unknown --arch '" + arch + "'; known: " + String.join(", ", ARCHS));
        return a;
    }

    /** Which architecture a file holds (reads only the descriptions, no tensor data). */
    public static String detectArch(Path in, String requestedArch) throws IOException {
        String asked = requestedArch(requestedArch);
        try (SourceModel m = Format.detect(in).read(in, isVgg(asked) ? asked : null)) {
            return m.arch();
        }
    }

    static boolean isVgg(String arch) { return arch != null && arch.startsWith("vgg"); }

    public static Result convert(Path in, Path out, Options o) throws IOException {
        return convert(List.of(in), arch -> out, o);
    }

    /** As {@link #convert(Path, Path, Options)}, the output path chosen once the architecture is known. */
    public static Result convert(Path in, Function<String, Path> outForArch, Options o) throws IOException {
        return convert(List.of(in), outForArch, o);
    }

    /**
     * One or two input files to one output: a VGG, a ResNet-50 (one file each), or AdaIN (vgg_normalised.pth and
     * decoder.pth, in either order, recognised by their content). The architecture asked for ({@code o.arch()})
     * must be what the files hold.
     */
    public static Result convert(List<Path> ins, Function<String, Path> outForArch, Options o) throws IOException {
        if (ins.isEmpty() || ins.size() > 2) throw new WeightsException("give one weights file (two for AdaIN: vgg_normalised.pth decoder.pth), not " + ins.size());
        String asked = requestedArch(o.arch());
        List<SourceModel> models = new ArrayList<>();
        List<Format> formats = new ArrayList<>();
        try {
            for (Path in : ins) {
                Format f = Format.detect(in);
                formats.add(f);
                models.add(f.read(in, isVgg(asked) ? asked : null));
            }
            SourceModel first = models.getFirst();
            if (ins.size() == 1 && first.isVgg()) {
                if (asked != null && !isVgg(asked))
                    throw new WeightsException(ins.getFirst() + " holds " + archName(first.arch()) + " weights, but " + asked + " was asked");
                return convertVgg(ins.getFirst(), formats.getFirst(), first, outForArch, o);
            }
            return convertNamed(ins, formats, models, asked, outForArch, o);
        } finally {
            for (SourceModel m : models) m.close();
        }
    }

    private static String archName(String arch) {
        return switch (arch) {
            case "resnet50" -> "ResNet-50";
            case SourceModel.ADAIN_ENCODER -> "AdaIN encoder (vgg_normalised)";
            case SourceModel.ADAIN_DECODER -> "AdaIN decoder";
            case "adain" -> "AdaIN";
            default -> arch.toUpperCase(java.util.Locale.ROOT);
        };
    }

    /** ResNet-50 (one file) or AdaIN (an encoder and a decoder file): tensors already under their output names. */
    private static Result convertNamed(List<Path> ins, List<Format> formats, List<SourceModel> models, String asked,
                                       Function<String, Path> outForArch, Options o) throws IOException {
        String where = ins.size() == 1 ? ins.getFirst().toString() : ins.get(0) + " + " + ins.get(1);
        Map<String, SourceTensor> tensors = new LinkedHashMap<>();
        String arch;
        Preprocess pre;
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        List<String> descriptions = new ArrayList<>();
        for (SourceModel m : models) descriptions.add(m.description());
        SourceModel first = models.getFirst();
        if (models.size() == 1 && first.arch().equals("resnet50")) {
            arch = "resnet50";
            tensors.putAll(first.named());
            pre = first.preprocess();
            meta.putAll(first.meta());
            notes.addAll(first.notes());
        } else {
            for (SourceModel m : models)
                if (m.isVgg() || m.arch().equals("resnet50"))
                    throw new WeightsException(where + ": " + m.description() + " holds " + archName(m.arch()) + " weights"
                            + (models.size() == 2 ? "; two inputs are for AdaIN only: vgg_normalised.pth and decoder.pth (naoto0804/pytorch-AdaIN)" : ""));
            long enc = models.stream().filter(m -> m.arch().equals(SourceModel.ADAIN_ENCODER)).count();
            long dec = models.size() - enc;
            if (enc != 1 || dec != 1) {
                String have = enc == 2 ? "two AdaIN encoders (vgg_normalised.pth)" : dec == 2 ? "two AdaIN decoders (decoder.pth)"
                        : enc == 1 ? "an AdaIN encoder (vgg_normalised.pth) without its decoder" : "an AdaIN decoder without its encoder";
                throw new WeightsException(where + " is " + have + "; convert both together: nst weights convert vgg_normalised.pth decoder.pth --out adain.safetensors");
            }
            arch = "adain";
            for (String half : List.of(SourceModel.ADAIN_ENCODER, SourceModel.ADAIN_DECODER))
                for (SourceModel m : models) if (m.arch().equals(half)) tensors.putAll(m.named());
            pre = null;
            if (o.preprocess() != null)
                throw new WeightsException("--preprocess does not apply to AdaIN: its encoder's first conv holds the preprocessing (input RGB in [0, 1])");
        }
        if (asked != null && !asked.equals(arch))
            throw new WeightsException(where + " holds " + archName(arch) + " weights, but " + asked + " was asked"
                    + (isVgg(asked) ? " (a VGG file is needed for that)" : ""));
        long total = 0;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, SourceTensor> e : tensors.entrySet()) {
            total += WeightsLimits.checkedElements(where + ": tensor '" + e.getKey() + "'", e.getValue().shape(), WeightsLimits.MAX_DIMENSION);
            shapes.put(e.getKey(), e.getValue().shape());
        }
        if (total > WeightsLimits.MAX_CONV_PARAMETERS)
            throw new WeightsException(where + ": its conv layers hold " + total + " values (limit " + WeightsLimits.MAX_CONV_PARAMETERS + ")");
        if (arch.equals("adain")) AdaInLayout.check(where, shapes);
        else ResNetLayout.check(where, shapes);
        if (o.preprocess() != null) pre = o.preprocess();
        Path out = outForArch.apply(arch);
        AtomicFiles.checkWritable(out);
        String source = o.source() != null ? o.source() : String.join(" + ", descriptions);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("arch", arch);
        m.put("preprocess", pre == null ? "none" : pre.id());
        m.put("source", source);
        m.putAll(meta);
        List<SafeTensors.TensorSpec> specs = new ArrayList<>();
        for (var e : tensors.entrySet()) specs.add(new SafeTensors.TensorSpec(e.getKey(), e.getValue().shape()));
        SafeTensors.write(out, m, specs, s -> readTensor(where, s.name(), tensors.get(s.name())));
        return new Result(out, formats.getFirst(), arch, pre, source, tensors.size() / 2, total, notes);
    }

    private static Result convertVgg(Path in, Format format, SourceModel m, Function<String, Path> outForArch, Options o) throws IOException {
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
