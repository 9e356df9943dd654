package nst.convert;

import nst.engine.WeightsException;
import nst.engine.io.WeightsLimits;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchvision's ResNet-50 trunk as the converter writes it (the names of {@code nst.engine.network.ResNet50}):
 * one conv per name with its batch norm folded in, {@code conv1}, {@code layerS.B.conv1..3} and
 * {@code layerS.0.downsample}; every width scales with the stem width {@code base} (64 for ResNet-50, less for
 * narrow test files). Plus the fold itself, in float32, in the order PyTorch computes it:
 * {@code s = γ / sqrt(var + eps)}, {@code w' = w · s}, {@code b' = β − mean · s} (with a conv bias b, as
 * Keras' convs have one: {@code b' = β + (b − mean) · s}). Leaves out reading files (the readers give the
 * tensors) and other depths (ResNet-18/34/101/152 are refused by name).
 */
public final class ResNetLayout {
    private ResNetLayout() {}

    /** Bottlenecks per stage (ResNet-50). */
    public static final int[] BLOCKS = {3, 4, 6, 3};
    /** torchvision's BatchNorm2d default; Keras' ResNet uses 1.001e-5. */
    public static final float EPS_TORCHVISION = 1e-5f, EPS_KERAS = 1.001e-5f;

    /** One folded conv: name, channels, square kernel. */
    public record ConvSpec(String name, int inC, int outC, int k) {
        int[] weightShape() { return new int[] {outC, inC, k, k}; }
    }

    /** The folded convs for stem width {@code base}, in network order. */
    public static List<ConvSpec> convs(int base) {
        List<ConvSpec> out = new ArrayList<>(List.of(new ConvSpec("conv1", 3, base, 7)));
        int inplanes = base;
        for (int s = 0; s < BLOCKS.length; s++) {
            int planes = base << s;
            for (int b = 0; b < BLOCKS[s]; b++) {
                String n = "layer" + (s + 1) + "." + b;
                out.add(new ConvSpec(n + ".conv1", inplanes, planes, 1));
                out.add(new ConvSpec(n + ".conv2", planes, planes, 3));
                out.add(new ConvSpec(n + ".conv3", planes, planes * 4, 1));
                if (b == 0) out.add(new ConvSpec(n + ".downsample", inplanes, planes * 4, 1));
                inplanes = planes * 4;
            }
        }
        return out;
    }

    /**
     * Checks folded tensors ({@code <conv>.weight}, {@code <conv>.bias}) by shape: every conv of ResNet-50 at
     * the stem width conv1.weight says, nothing else. Returns the stem width.
     */
    public static int check(String where, Map<String, int[]> shapes) {
        int[] stem = shapes.get("conv1.weight");
        if (stem == null || stem.length != 4 || stem[0] <= 0 || stem[0] > WeightsLimits.MAX_CHANNELS / 32)
            throw new WeightsException(where + ": no ResNet-50 stem (conv1.weight with 3 input channels, 7×7)");
        int base = stem[0];
        List<String> missing = new ArrayList<>();
        Map<String, int[]> expected = new LinkedHashMap<>();
        for (ConvSpec c : convs(base)) {
            expected.put(c.name() + ".weight", c.weightShape());
            expected.put(c.name() + ".bias", new int[] {c.outC()});
        }
        for (var e : expected.entrySet()) {
            int[] have = shapes.get(e.getKey());
            if (have == null) missing.add(e.getKey());
            else if (!Arrays.equals(have, e.getValue()))
                throw new WeightsException(where + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(have) + ", expected "
                        + Arrays.toString(e.getValue()) + " for ResNet-50 with stem width " + base);
        }
        if (!missing.isEmpty())
            throw new WeightsException(where + ": missing ResNet-50 tensors: " + preview(missing));
        for (String n : shapes.keySet())
            if (!expected.containsKey(n)) throw new WeightsException(where + ": unexpected tensor '" + n + "' (not a conv of ResNet-50)");
        return base;
    }

    static String preview(List<String> l) {
        String s = String.join(", ", l.subList(0, Math.min(6, l.size())));
        return l.size() > 6 ? s + ", … (" + l.size() + " in all)" : s;
    }

    /** A conv and its batch norm as a source file holds them (conv bias null where the conv has none). */
    public record ConvBn(SourceTensor weight, SourceTensor convBias, SourceTensor gamma, SourceTensor beta,
                         SourceTensor mean, SourceTensor var, float eps) {}

    /**
     * The folded weight and bias of one conv as two lazily read tensors, after checking every shape: the
     * weight (O, I, k, k), every batch-norm vector and the conv bias (O).
     */
    static void fold(String where, String name, ConvBn c, Map<String, SourceTensor> out) {
        if (c.weight() == null) throw new WeightsException(where + ": missing tensor for " + name + ".weight");
        int[] ws = c.weight().shape();
        if (ws.length != 4) throw new WeightsException(where + ": " + name + " weight has shape " + Arrays.toString(ws) + ", not (O, I, kh, kw)");
        int o = ws[0];
        SourceTensor[] vec = {c.gamma(), c.beta(), c.mean(), c.var()};
        String[] vn = {"weight (gamma)", "bias (beta)", "running_mean", "running_var"};
        for (int i = 0; i < 4; i++) {
            if (vec[i] == null) throw new WeightsException(where + ": the batch norm after " + name + " has no " + vn[i]);
            if (!Arrays.equals(vec[i].shape(), new int[] {o}))
                throw new WeightsException(where + ": the batch norm after " + name + " has " + vn[i] + " of shape "
                        + Arrays.toString(vec[i].shape()) + ", expected [" + o + "] (the conv's output channels)");
        }
        if (c.convBias() != null && !Arrays.equals(c.convBias().shape(), new int[] {o}))
            throw new WeightsException(where + ": " + name + " has a bias of shape " + Arrays.toString(c.convBias().shape()) + ", expected [" + o + "]");
        int per = (int) (WeightsLimits.checkedElements(where + ": tensor '" + name + ".weight'", ws, WeightsLimits.MAX_DIMENSION) / Math.max(1, o));
        out.put(name + ".weight", new SourceTensor() {
            @Override public int[] shape() { return ws; }
            @Override public float[] read() throws IOException {
                float[] w = values(where, name + ".weight", c.weight());
                float[] s = scale(where, name, c);
                for (int j = 0; j < o; j++)
                    for (int i = 0; i < per; i++) w[j * per + i] *= s[j];
                return w;
            }
        });
        out.put(name + ".bias", new SourceTensor() {
            @Override public int[] shape() { return new int[] {o}; }
            @Override public float[] read() throws IOException {
                float[] s = scale(where, name, c);
                float[] beta = values(where, name + " bn bias", c.beta()), mean = values(where, name + " bn running_mean", c.mean());
                float[] b = new float[o];
                if (c.convBias() == null) {
                    for (int j = 0; j < o; j++) b[j] = beta[j] - mean[j] * s[j];
                } else {
                    float[] cb = values(where, name + ".bias", c.convBias());
                    for (int j = 0; j < o; j++) b[j] = beta[j] + (cb[j] - mean[j]) * s[j];
                }
                return b;
            }
        });
    }

    /** s = γ / sqrt(var + eps), float32 (var + eps rounded to float first, as PyTorch and NumPy do). */
    private static float[] scale(String where, String name, ConvBn c) throws IOException {
        float[] g = values(where, name + " bn weight", c.gamma()), v = values(where, name + " bn running_var", c.var());
        float[] s = new float[g.length];
        for (int j = 0; j < s.length; j++) {
            float ve = v[j] + c.eps();
            if (!(ve > 0)) throw new WeightsException(where + ": the batch norm after " + name + " has running_var " + v[j]
                    + " at channel " + j + " (var + eps must be positive); nothing was written");
            s[j] = g[j] / (float) Math.sqrt(ve);
        }
        return s;
    }

    private static float[] values(String where, String what, SourceTensor t) throws IOException {
        float[] v = t.read();
        if (v.length != t.elements()) throw new WeightsException(where + ": " + what + " holds " + v.length + " values, its shape says " + t.elements());
        Converter.checkFinite(where, what, v);
        return v;
    }
}
