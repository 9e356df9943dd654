package nst.engine.loss;

import nst.engine.flow.FlowField;
import nst.engine.flow.Warp;
import nst.engine.image.Image;
import nst.engine.io.SafeTensors;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link TemporalLoss} (Ruder et al. eq. 7) and the backward warp that makes its target: against PyTorch
 * (golden/temporal.safetensors from tools/make_temporal_fixture.py: grid_sample + autograd), against central finite
 * differences, and inside the {@link Objective} (the term adds exactly its value and gradient).
 */
class TemporalLossTest {
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_temporal_fixture.py'";

    static SafeTensors.Reader fixture() throws Exception {
        var url = TemporalLossTest.class.getResource("/golden/temporal.safetensors");
        if (url == null) throw new IllegalStateException("missing fixture golden/temporal.safetensors; " + REGENERATE);
        return SafeTensors.open(Path.of(url.toURI()));
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test void warpLossAndGradientMatchPyTorch() throws Exception {
        try (SafeTensors.Reader f = fixture()) {
            int[] shape = f.entry("previous").shape();
            int h = shape[1], w = shape[2];
            Image previous = new Image(w, h, f.floats("previous"));
            FlowField backward = new FlowField(w, h, f.floats("u"), f.floats("v"));
            Image warped = Warp.backward(previous, backward);
            double warpDiff = maxAbsDiff(warped.rgb(), f.floats("warped"));
            assertTrue(warpDiff < 1e-5, "warp vs grid_sample: max |diff| " + warpDiff + "; " + REGENERATE);

            double lambda = Double.parseDouble(f.metadata().get("lambda"));
            TemporalLoss loss = new TemporalLoss(warped, f.floats("weights"));
            float[] x = f.floats("x");
            float[] grad = new float[x.length];
            double value = loss.addGradient(x, grad, lambda);
            double want = f.doubles("loss")[0];
            assertEquals(want, lambda * value, 1e-6 * want, "loss vs PyTorch; " + REGENERATE);
            assertEquals(value, loss.value(x), 1e-12, "value and addGradient agree");
            float[] wantGrad = f.floats("grad");
            double gradDiff = maxAbsDiff(grad, wantGrad);
            double scale = 0;
            for (float g : wantGrad) scale = Math.max(scale, Math.abs(g));
            assertTrue(gradDiff < 1e-5 * scale, "gradient vs autograd: max |diff| " + gradDiff + " of " + scale + "; " + REGENERATE);
            System.out.printf("TemporalLoss vs PyTorch: warp %.2e, loss %.2e rel, gradient %.2e (max |g| %.3f)%n",
                    warpDiff, Math.abs(lambda * value - want) / want, gradDiff, scale);
        }
    }

    @Test void gradientMatchesFiniteDifferences() {
        int w = 7, h = 5, n = w * h;
        SplittableRandom r = new SplittableRandom(3);
        float[] target = new float[3 * n], x = new float[3 * n], c = new float[n];
        for (int i = 0; i < 3 * n; i++) { target[i] = (float) r.nextDouble(); x[i] = (float) r.nextDouble(); }
        for (int i = 0; i < n; i++) c[i] = i % 4 == 0 ? 0f : i % 4 == 1 ? 0.5f : 1f;
        TemporalLoss loss = new TemporalLoss(new Image(w, h, target), c);
        double lambda = 2.5;
        float[] grad = new float[3 * n];
        loss.addGradient(x, grad, lambda);
        float eps = 1e-2f;                    // the loss is quadratic: central differences are exact up to rounding
        for (int i = 0; i < 3 * n; i++) {
            float keep = x[i];
            x[i] = keep + eps;
            double plus = lambda * loss.value(x);
            x[i] = keep - eps;
            double minus = lambda * loss.value(x);
            x[i] = keep;
            double fd = (plus - minus) / ((double) (keep + eps) - (keep - eps));
            assertEquals(fd, grad[i], 1e-5, "d L/d x[" + i + "]");
            if (c[i % n] == 0) assertEquals(0f, grad[i], "a pixel the consistency check drops has no gradient");
        }
    }

    @Test void objectiveAddsTheTermExactly() {
        VggWeights weights = VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 5, Preprocess.TORCHVISION);
        int w = 20, h = 16, n = w * h;
        SplittableRandom r = new SplittableRandom(11);
        float[] content = new float[3 * n], style = new float[3 * n], prev = new float[3 * n], x = new float[3 * n], c = new float[n];
        for (int i = 0; i < 3 * n; i++) {
            content[i] = (float) r.nextDouble(); style[i] = (float) r.nextDouble();
            prev[i] = (float) r.nextDouble(); x[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < n; i++) c[i] = r.nextDouble() < 0.8 ? 1f : 0f;
        Objective.Config cfg = new Objective.Config(LayerWeight.parseList("relu2_2", "--content-layers"), LayerWeight.parseList("relu1_1,relu2_1", "--style-layers"), 1, 1e3, 1e-4);
        try (ScalarBackend b = new ScalarBackend(); VggNetwork net = new VggNetwork(b, weights, Pooling.MAX);
             Objective o = new Objective(net, cfg, new Image(w, h, content), List.of(new Image(w, h, style)), new double[] {1})) {
            float[] plain = new float[3 * n], with = new float[3 * n];
            LossTerms t0 = o.evaluate(x, plain);
            TemporalLoss temporal = new TemporalLoss(new Image(w, h, prev), c);
            o.setTemporal(temporal, 50);
            LossTerms t1 = o.evaluate(x, with);
            assertEquals(0, t0.temporal());
            assertEquals(50 * temporal.value(x), t1.temporal(), 1e-12);
            assertEquals(t0.total() + t1.temporal(), t1.total(), 1e-9 * t1.total());
            float[] expected = plain.clone();
            temporal.addGradient(x, expected, 50);
            assertTrue(maxAbsDiff(expected, with) < 1e-6, "objective gradient = plain + temporal");
            o.setTemporal(temporal, 0);
            assertEquals(t0.total(), o.evaluate(x, new float[3 * n]).total(), 1e-12, "λ = 0 removes the term");
            assertThrows(IllegalArgumentException.class, () -> o.setTemporal(new TemporalLoss(Image.blank(4, 4), new float[16]), 1));
        }
    }

    @Test void refusesBadWeights() {
        assertThrows(IllegalArgumentException.class, () -> new TemporalLoss(Image.blank(2, 2), new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new TemporalLoss(Image.blank(2, 2), new float[] {0, 1, 2, 0}));
        assertThrows(IllegalArgumentException.class, () -> new TemporalLoss(Image.blank(2, 2), new float[] {0, Float.NaN, 1, 0}));
    }
}
