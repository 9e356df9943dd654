package nst.engine.network;

import nst.engine.NstException;
import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.engine.io.WeightsLimits;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ResNet-50's conv weights with batch norm folded in (host copies), and the file contract the converter writes:
 * safetensors with metadata {@code arch} = {@code resnet50}, {@code preprocess} = {@code torchvision} or
 * {@code caffe} (Keras source), optional {@code source}; tensors {@code <conv>.weight} (O, I, k, k) and
 * {@code <conv>.bias} (O) for every conv name of {@link ResNet50#weightShapes}. The stem width is read from
 * {@code conv1.weight} (64 for ResNet-50; narrower files are test fixtures); every other shape is then fixed and
 * checked before any tensor is read. Also seeded random weights and the writer tests use.
 */
public final class ResNetWeights implements NetworkWeights {
    public static final String ARCH = "resnet50";
    /** Metadata keys a file may have; arch and preprocess are required. */
    public static final List<String> METADATA_KEYS = List.of("arch", "preprocess", "source");

    private final int base;
    private final Preprocess preprocess;
    private final String source;
    private final Map<String, ResNet50.Conv> convs;

    public ResNetWeights(int base, Preprocess preprocess, String source, Map<String, ResNet50.Conv> convs) {
        this.base = base;
        this.preprocess = preprocess;
        this.source = source;
        this.convs = convs;
    }

    @Override public String arch() { return ARCH; }
    @Override public Preprocess preprocess() { return preprocess; }
    @Override public String source() { return source; }
    /** Stem width: 64 for ResNet-50. */
    public int base() { return base; }
    public Map<String, ResNet50.Conv> convs() { return convs; }

    /**
     * Seeded random weights: Kaiming-normal with fan_in and ReLU gain (std = sqrt(2 / (I·k·k))), then random
     * batch-norm parameters and statistics (γ ~ U(0.5, 1.5), β ~ N(0, 0.1²), mean ~ N(0, 0.1²), var ~ U(0.5, 1.5))
     * folded into each conv. Deterministic (SplittableRandom). fan_in, not torchvision's fan_out: with inference-mode
     * BN near the identity, fan_out makes each 1×1 bottleneck conv that narrows (256 → 64 channels) quadruple the
     * variance, and layer4.2's activations reach the thousands, where a softmax is one-hot; with fan_in each conv
     * keeps the variance. The residual sums would still double it at each of the 16 blocks (std × 256 at layer4.2), so
     * the last BN of each residual branch (after conv3) has its γ scaled by {@link #RESIDUAL_GAIN} = 0.2, the way
     * torchvision's {@code zero_init_residual} starts those γ at 0: activations then stay of order 1 to 10 in every
     * stage, as in a trained network, and the softmax transform has something to smooth.
     */
    public static ResNetWeights random(int base, long seed, Preprocess preprocess) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, ResNet50.Conv> convs = new LinkedHashMap<>();
        for (var e : ResNet50.weightShapes(base).entrySet()) {
            int[] s = e.getValue();
            int o = s[0], per = s[1] * s[2] * s[3];
            float[] w = new float[o * per], b = new float[o];
            double std = Math.sqrt(2.0 / per);
            for (int j = 0; j < w.length; j++) w[j] = (float) (gaussian(rnd) * std);
            double residual = e.getKey().endsWith(".conv3") ? RESIDUAL_GAIN : 1;
            for (int k = 0; k < o; k++) {                      // fold y = γ (x − μ)/sqrt(σ² + ε) + β into the conv
                double gamma = residual * (0.5 + rnd.nextDouble()), beta = 0.1 * gaussian(rnd), mean = 0.1 * gaussian(rnd);
                double var = 0.5 + rnd.nextDouble(), scale = gamma / Math.sqrt(var + 1e-5);
                for (int j = 0; j < per; j++) w[k * per + j] = (float) (w[k * per + j] * scale);
                b[k] = (float) (beta - mean * scale);
            }
            convs.put(e.getKey(), new ResNet50.Conv(w, b));
        }
        return new ResNetWeights(base, preprocess, "random(seed=" + seed + ")", convs);
    }

    /** γ scale of the last BN of each residual branch in {@link #random}. */
    static final double RESIDUAL_GAIN = 0.2;

    /** A standard normal from the JDK's specified algorithm (RandomGenerator.nextGaussian: pure Java, the same everywhere). */
    private static double gaussian(SplittableRandom r) {
        return r.nextGaussian();
    }

    /**
     * Reads a file in the contract above. Checks the metadata, then every tensor's name and shape against the
     * layout before reading any values; values must be finite. A VGG file is refused with one line.
     */
    public static ResNetWeights load(Path path) {
        try (SafeTensors.Reader r = SafeTensors.open(path)) {
            Map<String, String> meta = r.metadata();
            if (meta.containsKey("variant") && ARCH.equals(meta.get("arch")))
                throw new WeightsException(path + " holds ResNet-50 " + meta.get("variant") + " (Keras' layout: the stride on each stage's"
                        + " first 1x1 conv); nst runs torchvision's v1.5 (the stride on the 3x3 conv) only: convert torchvision's"
                        + " resnet50 .pth instead ('nst weights fetch resnet50')");
            for (String key : meta.keySet())
                if (!METADATA_KEYS.contains(key))
                    throw new WeightsException(path + ": unknown metadata key '" + key + "' (expected " + String.join(", ", METADATA_KEYS) + ")");
            String arch = meta.get("arch");
            if (arch == null) throw new WeightsException(path + ": missing metadata key 'arch'");
            if (!ARCH.equals(arch))
                throw new WeightsException(path + " holds " + arch + " weights, not resnet50 (metadata 'arch')");
            if (!meta.containsKey("preprocess")) throw new WeightsException(path + ": missing metadata key 'preprocess'");
            Preprocess pre;
            try {
                pre = Preprocess.of(meta.get("preprocess"));
            } catch (NstException e) {
                throw new WeightsException(path + ": metadata 'preprocess': " + e.getMessage());
            }
            if (!r.has("conv1.weight")) throw new WeightsException(path + ": missing tensor 'conv1.weight' for resnet50");
            int[] stem = r.entry("conv1.weight").shape();
            if (stem.length != 4 || stem[0] <= 0 || stem[0] > WeightsLimits.MAX_CHANNELS / 32 || stem[1] != 3 || stem[2] != 7 || stem[3] != 7)
                throw new WeightsException(path + ": tensor 'conv1.weight' has shape " + Arrays.toString(stem)
                        + ", expected [64, 3, 7, 7] for resnet50 (a stem width of 1.." + WeightsLimits.MAX_CHANNELS / 32 + ")");
            int base = stem[0];
            Map<String, int[]> want = ResNet50.weightShapes(base);
            List<String> missing = new ArrayList<>();
            for (var e : want.entrySet()) {                    // every shape, before reading any values
                String wn = e.getKey() + ".weight", bn = e.getKey() + ".bias";
                if (!r.has(wn)) missing.add(wn);
                else if (!Arrays.equals(r.entry(wn).shape(), e.getValue()))
                    throw new WeightsException(path + ": tensor '" + wn + "' has shape " + Arrays.toString(r.entry(wn).shape())
                            + ", expected " + Arrays.toString(e.getValue()) + " for resnet50 (stem width " + base + ")");
                if (!r.has(bn)) missing.add(bn);
                else if (!Arrays.equals(r.entry(bn).shape(), new int[] {e.getValue()[0]}))
                    throw new WeightsException(path + ": tensor '" + bn + "' has shape " + Arrays.toString(r.entry(bn).shape())
                            + ", expected [" + e.getValue()[0] + "]");
            }
            if (!missing.isEmpty())
                throw new WeightsException(path + ": missing tensors for resnet50: " + String.join(", ", missing.subList(0, Math.min(8, missing.size())))
                        + (missing.size() > 8 ? " and " + (missing.size() - 8) + " more" : ""));
            for (String n : r.entries().keySet()) {
                int dot = n.lastIndexOf('.');
                String conv = dot < 0 ? n : n.substring(0, dot), kind = dot < 0 ? "" : n.substring(dot + 1);
                if (!want.containsKey(conv) || !(kind.equals("weight") || kind.equals("bias")))
                    throw new WeightsException(path + ": unexpected tensor '" + n + "' (not a conv of resnet50)");
            }
            Map<String, ResNet50.Conv> convs = new LinkedHashMap<>();
            for (String conv : want.keySet()) {
                float[] w = r.floats(conv + ".weight"), b = r.floats(conv + ".bias");
                checkFinite(path, conv + ".weight", w);
                checkFinite(path, conv + ".bias", b);
                convs.put(conv, new ResNet50.Conv(w, b));
            }
            String source = meta.getOrDefault("source", path.getFileName().toString());
            return new ResNetWeights(base, pre, source, convs);
        }
    }

    private static void checkFinite(Path where, String name, float[] v) {
        for (int i = 0; i < v.length; i++)
            if (!Float.isFinite(v[i])) throw new WeightsException(where + ": tensor '" + name + "' has a non-finite value (" + v[i] + ") at index " + i);
    }

    /** Writes these weights in the file contract (temporary file, then rename). */
    public void save(Path out) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (var e : ResNet50.weightShapes(base).entrySet()) {
            ResNet50.Conv c = convs.get(e.getKey());
            if (c == null) throw new IllegalStateException("no weights for " + e.getKey());
            data.put(e.getKey() + ".weight", c.weight());
            shapes.put(e.getKey() + ".weight", e.getValue());
            data.put(e.getKey() + ".bias", c.bias());
            shapes.put(e.getKey() + ".bias", new int[] {e.getValue()[0]});
        }
        SafeTensors.write(out, Map.of("arch", ARCH, "preprocess", preprocess.id(), "source", source), data, shapes);
    }
}
