package nst.convert;

import nst.engine.WeightsException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static nst.convert.Fixtures.assertMessageNames;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The batch-norm fold against the definition written out in double (BN(conv(x)) = γ·(conv(x) + b − mean)/√(var+eps) + β,
 * per output channel), its refusals (bad shapes, var + eps ≤ 0), and the layout checks of ResNetLayout and AdaInLayout
 * on hand-made shape maps. In memory, no files.
 */
class LayoutChecksTest {

    private static SourceTensor t(int[] shape, float[] v) {
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }
            @Override public float[] read() { return v.clone(); }
        };
    }

    private static float[] rnd(SplittableRandom r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    @Test
    void foldMatchesTheDefinitionInDouble() throws Exception {
        SplittableRandom r = new SplittableRandom(16);
        int o = 5, i = 3, k = 3, per = i * k * k;
        float[] w = rnd(r, o * per, -1, 1), cb = rnd(r, o, -0.5, 0.5), g = rnd(r, o, 0.4, 1), be = rnd(r, o, -0.1, 0.1),
                mean = rnd(r, o, -0.2, 0.2), var = rnd(r, o, 0.001, 2);
        for (boolean withBias : new boolean[] {false, true}) {
            Map<String, SourceTensor> out = new LinkedHashMap<>();
            ResNetLayout.fold("mem", "c", new ResNetLayout.ConvBn(t(new int[] {o, i, k, k}, w), withBias ? t(new int[] {o}, cb) : null,
                    t(new int[] {o}, g), t(new int[] {o}, be), t(new int[] {o}, mean), t(new int[] {o}, var), ResNetLayout.EPS_KERAS), out);
            float[] fw = out.get("c.weight").read(), fb = out.get("c.bias").read();
            double worst = 0;
            for (int j = 0; j < o; j++) {
                double s = g[j] / Math.sqrt((double) var[j] + 1.001e-5);
                for (int e = 0; e < per; e++) worst = Math.max(worst, Math.abs(fw[j * per + e] - w[j * per + e] * s) / Math.abs(w[j * per + e] * s));
                double b = be[j] + ((withBias ? cb[j] : 0) - mean[j]) * s;
                double scale = Math.max(Math.abs(be[j]), Math.abs(((withBias ? cb[j] : 0) - mean[j]) * s)); // the terms' size: cancellation is not the fold's error
                worst = Math.max(worst, Math.abs(fb[j] - b) / scale);
            }
            System.out.printf("fold (conv bias %s) vs double: max rel %.2e%n", withBias, worst);
            assertEquals(0, worst, 4e-7, "float32 fold within a few ulps of the double-precision definition");
        }
    }

    @Test
    void foldRefusesBadShapesAndNonPositiveVariance() {
        int[] w = {2, 1, 1, 1}, v2 = {2};
        float[] one = {1, 1};
        WeightsException shape = assertThrows(WeightsException.class, () -> ResNetLayout.fold("f.pth", "layer1.0.conv1",
                new ResNetLayout.ConvBn(t(w, one), null, t(new int[] {3}, new float[3]), t(v2, one), t(v2, one), t(v2, one), 1e-5f), new LinkedHashMap<>()));
        assertMessageNames(shape, "f.pth", "layer1.0.conv1", "weight (gamma) of shape [3], expected [2]");
        Map<String, SourceTensor> out = new LinkedHashMap<>();
        ResNetLayout.fold("f.pth", "conv1", new ResNetLayout.ConvBn(t(w, one), null, t(v2, one), t(v2, one), t(v2, one),
                t(v2, new float[] {1, -2}), 1e-5f), out);
        WeightsException var = assertThrows(WeightsException.class, () -> out.get("conv1.weight").read());
        assertMessageNames(var, "f.pth", "conv1", "running_var -2.0 at channel 1");
    }

    private static Map<String, int[]> resnetShapes(int base) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (ResNetLayout.ConvSpec c : ResNetLayout.convs(base)) {
            m.put(c.name() + ".weight", new int[] {c.outC(), c.inC(), c.k(), c.k()});
            m.put(c.name() + ".bias", new int[] {c.outC()});
        }
        return m;
    }

    @Test
    void resNetLayoutChecks() {
        assertEquals(53, ResNetLayout.convs(64).size());
        assertEquals(64, ResNetLayout.check("r", resnetShapes(64)));
        assertArrayEquals(new int[] {2048, 1024, 1, 1}, resnetShapes(64).get("layer4.0.downsample.weight"));
        Map<String, int[]> missing = resnetShapes(4);
        missing.remove("layer3.5.conv2.bias");
        assertMessageNames(assertThrows(WeightsException.class, () -> ResNetLayout.check("r", missing)), "missing ResNet-50 tensors: layer3.5.conv2.bias");
        Map<String, int[]> wrong = resnetShapes(4);
        wrong.put("layer2.0.conv2.weight", new int[] {8, 8, 1, 1});
        assertMessageNames(assertThrows(WeightsException.class, () -> ResNetLayout.check("r", wrong)), "layer2.0.conv2.weight", "expected [8, 8, 3, 3]");
        Map<String, int[]> extra = resnetShapes(4);
        extra.put("layer3.6.conv1.weight", new int[] {16, 64, 1, 1});
        assertMessageNames(assertThrows(WeightsException.class, () -> ResNetLayout.check("r", extra)), "unexpected tensor 'layer3.6.conv1.weight'");
    }

    private static Map<String, int[]> adainShapes(int div, int encoderConvs) {
        int[] encOut = {3, 64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512};
        int[] decOut = {256, 256, 256, 256, 128, 128, 64, 64, 3};
        Map<String, int[]> m = new LinkedHashMap<>();
        int in = 3;
        for (int j = 0; j < encoderConvs; j++) {
            int o = j == 0 ? 3 : encOut[j] / div, k = j == 0 ? 1 : 3;
            m.put("encoder." + AdaInLayout.ENCODER.get(j) + ".weight", new int[] {o, in, k, k});
            m.put("encoder." + AdaInLayout.ENCODER.get(j) + ".bias", new int[] {o});
            in = o;
        }
        in = 512 / div;
        for (int j = 0; j < 9; j++) {
            int o = j == 8 ? 3 : decOut[j] / div;
            m.put("decoder." + AdaInLayout.DECODER.get(j) + ".weight", new int[] {o, in, 3, 3});
            m.put("decoder." + AdaInLayout.DECODER.get(j) + ".bias", new int[] {o});
            in = o;
        }
        return m;
    }

    @Test
    void adainLayoutChecks() {
        AdaInLayout.check("a", adainShapes(1, 17));     // the public files: encoder to conv5_4
        AdaInLayout.check("a", adainShapes(1, 10));     // cut after conv4_1 is enough
        assertMessageNames(assertThrows(WeightsException.class, () -> AdaInLayout.check("a", adainShapes(1, 9))),
                "the AdaIN encoder lacks encoder.29");
        Map<String, int[]> chain = adainShapes(8, 17);
        chain.put("decoder.5.weight", new int[] {32, 16, 3, 3});
        assertMessageNames(assertThrows(WeightsException.class, () -> AdaInLayout.check("a", chain)),
                "decoder.5.weight has shape [32, 16, 3, 3], expected [O, 32, 3, 3]");
        Map<String, int[]> rgb = adainShapes(8, 17);
        rgb.put("decoder.28.weight", new int[] {4, 8, 3, 3});
        rgb.put("decoder.28.bias", new int[] {4});
        assertMessageNames(assertThrows(WeightsException.class, () -> AdaInLayout.check("a", rgb)), "writes 4 channels, not 3");
        Map<String, int[]> stray = adainShapes(8, 17);
        stray.put("encoder.3.weight", new int[] {1});
        assertMessageNames(assertThrows(WeightsException.class, () -> AdaInLayout.check("a", stray)), "encoder.3 is no conv of AdaIN's vgg_normalised");
    }
}
