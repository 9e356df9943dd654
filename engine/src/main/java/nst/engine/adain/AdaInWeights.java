package nst.engine.adain;

import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of AdaIN's two networks (host copies) in the engine's weights format (docs/DESIGN.md, "AdaIN
 * weights"): one safetensors file, metadata {@code arch=adain}, {@code preprocess=none}, {@code source}; tensors
 * {@code encoder.<i>.weight/bias} and {@code decoder.<i>.weight/bias}, float32, PyTorch layout (O, I, kh, kw), where
 * {@code <i>} is the module's index in the public {@code vgg} and {@code decoder} {@code nn.Sequential}s of
 * naoto0804/pytorch-AdaIN's {@code net.py} ({@link AdaInNetwork#ENCODER}, {@link AdaInNetwork#DECODER}).
 * A file holds the encoder to relu5_4 (as {@code vgg_normalised.pth} does); the engine keeps only the convs up
 * to relu4_1 and checks the shapes of the rest. Also makes seeded random weights ({@link #random}) and writes files.
 */
public final class AdaInWeights {

    /** The metadata's {@code arch}. */
    public static final String ARCH = "adain";
    /** Metadata keys a file must have; any other key is an error (as for VGG weights). */
    public static final List<String> METADATA_KEYS = List.of("arch", "preprocess", "source");

    /** One conv's parameters: weight (O, I, k, k), bias (O). */
    public record Conv(float[] weight, float[] bias) {}

    private final String source;
    private final Map<Integer, Conv> encoder, decoder;

    /** Encoder convs by Sequential index (at least those to relu4_1), decoder convs by Sequential index (all). */
    public AdaInWeights(String source, Map<Integer, Conv> encoder, Map<Integer, Conv> decoder) {
        this.source = source;
        this.encoder = encoder;
        this.decoder = decoder;
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER_ALL) if (encoder.containsKey(c.index())) check("encoder", c, encoder.get(c.index()));
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER)
            if (!encoder.containsKey(c.index())) throw new WeightsException("AdaIN weights have no encoder." + c.index());
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) {
            if (!decoder.containsKey(c.index())) throw new WeightsException("AdaIN weights have no decoder." + c.index());
            check("decoder", c, decoder.get(c.index()));
        }
    }

    private static void check(String net, AdaInNetwork.ConvSpec c, Conv p) {
        if (p.weight().length != c.weightSize() || p.bias().length != c.outC())
            throw new WeightsException("AdaIN " + net + "." + c.index() + " needs " + c.weightSize() + " weights and " + c.outC()
                    + " biases, got " + p.weight().length + " and " + p.bias().length);
    }

    public String source() { return source; }
    public Conv encoder(int index) { return encoder.get(index); }
    public Conv decoder(int index) { return decoder.get(index); }

    // ---------------------------------------------------------------- seeded random weights

    /** splitmix64's increment (the golden ratio), also the stride between elements of one tensor's stream. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /**
     * Seeded random weights, the same on every platform and in tools/make_adain_net_fixture.py (the golden fixture
     * is made from them, so it stores no weights): element {@code i} of stream {@code s} is splitmix64's finaliser of
     * {@code seed + GOLDEN·(s·2³² + i + 1)}, its top 24 bits u give v = u·2⁻²³ − 1 in [−1, 1) (exact in float32),
     * and the parameter is v · bound in float32, with bound = √(6 / fan_in) for weights (He-uniform, ReLU gain) and
     * 1/√fan_in for biases (PyTorch's default). Stream s = 256·net + 2·index + (bias ? 1 : 0), net 0 the encoder and
     * 1 the decoder, index the Sequential index. The encoder's convs to relu4_1 only (what the engine runs).
     * Random networks are no autoencoder: the pictures they give show colour blotches, not the content; this is for
     * tests and for running the pipeline without downloads.
     */
    public static AdaInWeights random(long seed) {
        return random(seed, false);
    }

    /**
     * As {@link #random(long)}; {@code toRelu5} also makes the encoder's convs after relu4_1 (16.5 million floats the
     * engine never runs), so that a file written from them holds what {@code vgg_normalised.pth} holds.
     */
    public static AdaInWeights random(long seed, boolean toRelu5) {
        Map<Integer, Conv> enc = new LinkedHashMap<>(), dec = new LinkedHashMap<>();
        for (AdaInNetwork.ConvSpec c : toRelu5 ? AdaInNetwork.ENCODER_ALL : AdaInNetwork.ENCODER) enc.put(c.index(), randomConv(seed, 0, c));
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) dec.put(c.index(), randomConv(seed, 1, c));
        return new AdaInWeights("random(seed=" + seed + ")", enc, dec);
    }

    private static Conv randomConv(long seed, int net, AdaInNetwork.ConvSpec c) {
        int fanIn = c.inC() * c.k() * c.k();
        float[] w = uniform(seed, 256L * net + 2L * c.index(), c.weightSize(), (float) Math.sqrt(6.0 / fanIn));
        float[] b = uniform(seed, 256L * net + 2L * c.index() + 1, c.outC(), (float) (1.0 / Math.sqrt(fanIn)));
        return new Conv(w, b);
    }

    static float[] uniform(long seed, long stream, int n, float bound) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            long z = seed + GOLDEN * ((stream << 32) + i + 1);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            float v = (float) (z >>> 40) * 0x1p-23f - 1f;
            out[i] = v * bound;
        }
        return out;
    }

    // ---------------------------------------------------------------- files

    /**
     * Reads an AdaIN weights file: metadata (arch must be adain: a VGG file is refused by name), every tensor name
     * and shape checked before any tensor data is read, values finite.
     */
    public static AdaInWeights load(Path path) {
        try (SafeTensors.Reader r = SafeTensors.open(path)) {
            Map<String, String> meta = r.metadata();
            String arch = meta.get("arch");
            if (!ARCH.equals(arch))
                throw new WeightsException(path + ": not AdaIN weights (metadata arch=" + (arch == null ? "missing" : "'" + arch + "'")
                        + ", expected 'adain'); make them with 'nst weights convert vgg_normalised.pth decoder.pth --out FILE'");
            for (String key : meta.keySet())
                if (!METADATA_KEYS.contains(key))
                    throw new WeightsException(path + ": unknown metadata key '" + key + "' (expected " + String.join(", ", METADATA_KEYS) + ")");
            for (String key : METADATA_KEYS)
                if (!meta.containsKey(key)) throw new WeightsException(path + ": missing metadata key '" + key + "'");
            if (!"none".equals(meta.get("preprocess")))
                throw new WeightsException(path + ": metadata 'preprocess' is '" + meta.get("preprocess")
                        + "'; AdaIN's encoder takes RGB in [0,1] (its 1x1 conv is the preprocessing): expected 'none'");
            Map<String, int[]> expected = new LinkedHashMap<>();
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER_ALL) expect(expected, "encoder", c);
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) expect(expected, "decoder", c);
            for (String name : r.entries().keySet())
                if (!expected.containsKey(name))
                    throw new WeightsException(path + ": unexpected tensor '" + name + "' (not a conv of AdaIN's vgg or decoder)");
            List<String> missing = new ArrayList<>();
            for (var e : expected.entrySet()) {
                if (!r.has(e.getKey())) {
                    missing.add(e.getKey());
                    continue;
                }
                int[] shape = r.entry(e.getKey()).shape();
                if (!Arrays.equals(shape, e.getValue()))
                    throw new WeightsException(path + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(shape) + ", expected "
                            + Arrays.toString(e.getValue()));
            }
            List<String> needed = new ArrayList<>();
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER) needed.addAll(names("encoder", c));
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) needed.addAll(names("decoder", c));
            List<String> missingNeeded = missing.stream().filter(needed::contains).toList();
            if (!missingNeeded.isEmpty())
                throw new WeightsException(path + ": missing tensors for AdaIN: " + String.join(", ", missingNeeded));
            Map<Integer, Conv> enc = new LinkedHashMap<>(), dec = new LinkedHashMap<>();
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER) enc.put(c.index(), read(r, "encoder", c));
            for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) dec.put(c.index(), read(r, "decoder", c));
            return new AdaInWeights(meta.get("source"), enc, dec);
        }
    }

    private static List<String> names(String net, AdaInNetwork.ConvSpec c) {
        return List.of(net + "." + c.index() + ".weight", net + "." + c.index() + ".bias");
    }

    private static void expect(Map<String, int[]> m, String net, AdaInNetwork.ConvSpec c) {
        m.put(net + "." + c.index() + ".weight", new int[] {c.outC(), c.inC(), c.k(), c.k()});
        m.put(net + "." + c.index() + ".bias", new int[] {c.outC()});
    }

    private static Conv read(SafeTensors.Reader r, String net, AdaInNetwork.ConvSpec c) {
        String wn = net + "." + c.index() + ".weight", bn = net + "." + c.index() + ".bias";
        return new Conv(finite(r, wn), finite(r, bn));
    }

    private static float[] finite(SafeTensors.Reader r, String name) {
        float[] v = r.floats(name);
        for (int i = 0; i < v.length; i++)
            if (!Float.isFinite(v[i]))
                throw new WeightsException(r.path() + ": tensor '" + name + "' has a non-finite value (" + v[i] + ") at index " + i);
        return v;
    }

    /** Writes these weights in the engine's format (temporary file, then rename): every conv held, float32. */
    public void save(Path out) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.ENCODER_ALL) put(data, shapes, "encoder", c, encoder.get(c.index()));
        for (AdaInNetwork.ConvSpec c : AdaInNetwork.DECODER) put(data, shapes, "decoder", c, decoder.get(c.index()));
        SafeTensors.write(out, Map.of("arch", ARCH, "preprocess", "none", "source", source), data, shapes);
    }

    private static void put(Map<String, float[]> data, Map<String, int[]> shapes, String net, AdaInNetwork.ConvSpec c, Conv p) {
        if (p == null) return;
        data.put(net + "." + c.index() + ".weight", p.weight());
        shapes.put(net + "." + c.index() + ".weight", new int[] {c.outC(), c.inC(), c.k(), c.k()});
        data.put(net + "." + c.index() + ".bias", p.bias());
        shapes.put(net + "." + c.index() + ".bias", new int[] {c.outC()});
    }
}
