package nst.engine.network;

import nst.engine.NstException;
import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.engine.io.WeightsLimits;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The convolution weights of a VGG network (host copies) with the metadata of docs/DESIGN.md: arch,
 * preprocess, source. Loads and validates safetensors files, makes seeded random (He-normal) weights,
 * writes the engine's format. Leaves out the classifier layers and any other file format (see the
 * weights-converter module).
 */
public final class VggWeights implements NetworkWeights {

    /** Metadata keys a weights file must have; any other key is an error. */
    public static final List<String> METADATA_KEYS = List.of("arch", "preprocess", "source");

    /** One conv layer's parameters: weight (O, I, 3, 3), bias (O). */
    public record Conv(float[] weight, float[] bias) {}

    private final VggSpec spec;
    private final Preprocess preprocess;
    private final String source;
    private final Map<String, Conv> convs;

    public VggWeights(VggSpec spec, Preprocess preprocess, String source, Map<String, Conv> convs) {
        this.spec = spec;
        this.preprocess = preprocess;
        this.source = source;
        this.convs = convs;
    }

    public VggSpec spec() { return spec; }
    @Override public String arch() { return spec.arch(); }
    @Override public Preprocess preprocess() { return preprocess; }
    @Override public String source() { return source; }

    public Conv conv(String layer) {
        Conv c = convs.get(layer);
        if (c == null) throw new WeightsException("weights for " + spec + " have no layer " + layer);
        return c;
    }

    /** Whether the weights include every conv up to and including layer index {@code last}. */
    public boolean covers(int last) {
        for (int i = 0; i <= last; i++) {
            VggSpec.Layer l = spec.layers().get(i);
            if (l.kind() == VggSpec.Kind.CONV && !convs.containsKey(l.name())) return false;
        }
        return true;
    }

    /**
     * Seeded random weights: He-normal with fan_out and ReLU gain (std = sqrt(2 / (O·3·3))), zero bias.
     * Deterministic across runs and platforms (java.util.SplittableRandom, a specified algorithm).
     */
    public static VggWeights random(VggSpec spec, long seed, Preprocess preprocess) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Conv> convs = new LinkedHashMap<>();
        for (VggSpec.Layer l : spec.convLayers()) {
            int o = l.outChannels(), i = l.inChannels();
            float[] w = new float[o * i * 9];
            double std = Math.sqrt(2.0 / (o * 9));
            for (int j = 0; j < w.length; j++) w[j] = (float) (gaussian(rnd) * std);
            convs.put(l.name(), new Conv(w, new float[o]));
        }
        return new VggWeights(spec, preprocess, "random(seed=" + seed + ")", convs);
    }

    /** Standard normal by Box–Muller (SplittableRandom has no nextGaussian with a specified algorithm). */
    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Reads a weights file, checking metadata keys, names, shapes and values. */
    public static VggWeights load(Path path) {
        try (SafeTensors.Reader r = SafeTensors.open(path)) {
            Map<String, String> meta = r.metadata();
            if ("adain".equals(meta.get("arch")))
                throw new WeightsException(path + ": holds AdaIN weights (arch=adain), not VGG: use them with --method adain"
                        + " or --init adain --adain-weights FILE");
            if (ResNetWeights.ARCH.equals(meta.get("arch")))
                throw new WeightsException(path + " holds resnet50 weights (metadata 'arch'), not VGG; use --model resnet50");
            for (String key : meta.keySet())
                if (!METADATA_KEYS.contains(key))
                    throw new WeightsException(path + ": unknown metadata key '" + key + "' (expected " + String.join(", ", METADATA_KEYS) + ")");
            for (String key : METADATA_KEYS)
                if (!meta.containsKey(key)) throw new WeightsException(path + ": missing metadata key '" + key + "'");
            VggSpec spec;
            Preprocess pre;
            try {
                spec = VggSpec.of(meta.get("arch"));
            } catch (NstException e) {
                throw new WeightsException(path + ": metadata 'arch': " + e.getMessage());
            }
            try {
                pre = Preprocess.of(meta.get("preprocess"));
            } catch (NstException e) {
                throw new WeightsException(path + ": metadata 'preprocess': " + e.getMessage());
            }
            spec = inferWidths(spec, r);
            return fromTensors(path.toString(), spec, pre, meta.get("source"), r::has, r::floats, r.entries().keySet(),
                    name -> r.entry(name).shape());
        }
    }

    /**
     * Narrow networks (test fixtures, reduced converter fixtures) are stored with the standard names:
     * their widths are read from each block's first conv; every other shape is then checked against them.
     */
    private static VggSpec inferWidths(VggSpec spec, SafeTensors.Reader r) {
        int[] w = spec.widths();
        for (int b = 1; b <= 5; b++) {
            String n = "conv" + b + "_1.weight";
            if (r.has(n) && r.entry(n).shape().length == 4 && r.entry(n).shape()[0] > 0) w[b - 1] = r.entry(n).shape()[0];
            if (w[b - 1] > WeightsLimits.MAX_CHANNELS)
                throw new WeightsException(r.path() + ": tensor '" + n + "' has " + w[b - 1] + " output channels; no VGG layer has over "
                        + WeightsLimits.MAX_CHANNELS);
        }
        return java.util.Arrays.equals(w, spec.widths()) ? spec : spec.withWidths(w);
    }

    /** Tensor access used by {@link #fromTensors}. */
    public interface Lookup { float[] get(String name); }
    public interface Has { boolean has(String name); }
    public interface Shape { int[] shape(String name); }

    /**
     * Builds weights from named tensors, as a file or a test fixture holds them. Every conv of the spec
     * must be present with the right shape and finite values; unknown tensor names are an error.
     */
    public static VggWeights fromTensors(String where, VggSpec spec, Preprocess pre, String source,
                                         Has has, Lookup get, Iterable<String> names, Shape shapeOf) {
        Set<String> expected = new HashSet<>();
        Map<String, Conv> convs = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (VggSpec.Layer l : spec.convLayers()) {
            String wn = l.name() + ".weight", bn = l.name() + ".bias";
            expected.add(wn);
            expected.add(bn);
            if (!has.has(wn) || !has.has(bn)) {
                if (!has.has(wn)) missing.add(wn);
                if (!has.has(bn)) missing.add(bn);
                continue;
            }
            int[] ws = shapeOf.shape(wn), bs = shapeOf.shape(bn);
            int[] wantW = {l.outChannels(), l.inChannels(), 3, 3};
            if (!java.util.Arrays.equals(ws, wantW))
                throw new WeightsException(where + ": tensor '" + wn + "' has shape " + java.util.Arrays.toString(ws)
                        + ", expected " + java.util.Arrays.toString(wantW) + " for " + spec.arch());
            if (bs.length != 1 || bs[0] != l.outChannels())
                throw new WeightsException(where + ": tensor '" + bn + "' has shape " + java.util.Arrays.toString(bs)
                        + ", expected [" + l.outChannels() + "]");
            float[] w = get.get(wn), b = get.get(bn);
            checkFinite(where, wn, w);
            checkFinite(where, bn, b);
            convs.put(l.name(), new Conv(w, b));
        }
        if (!missing.isEmpty())
            throw new WeightsException(where + ": missing tensors for " + spec.arch() + ": " + String.join(", ", missing));
        if (names != null) {
            for (String n : names)
                if (!expected.contains(n))
                    throw new WeightsException(where + ": unexpected tensor '" + n + "' (not a conv layer of " + spec.arch() + ")");
        }
        return new VggWeights(spec, pre, source, convs);
    }

    private static void checkFinite(String where, String name, float[] v) {
        for (int i = 0; i < v.length; i++)
            if (!Float.isFinite(v[i])) throw new WeightsException(where + ": tensor '" + name + "' has a non-finite value (" + v[i] + ") at index " + i);
    }

    /** Writes these weights in the engine's format (temporary file, then rename). */
    public void save(Path out) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (VggSpec.Layer l : spec.convLayers()) {
            Conv c = conv(l.name());
            data.put(l.name() + ".weight", c.weight());
            shapes.put(l.name() + ".weight", new int[] {l.outChannels(), l.inChannels(), 3, 3});
            data.put(l.name() + ".bias", c.bias());
            shapes.put(l.name() + ".bias", new int[] {l.outChannels()});
        }
        SafeTensors.write(out, Map.of("arch", spec.arch(), "preprocess", preprocess.id(), "source", source), data, shapes);
    }
}
