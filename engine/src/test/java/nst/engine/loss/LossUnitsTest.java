package nst.engine.loss;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.HeapBuffer;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each loss unit on its own, without a network: its value against the definition in docs/DESIGN.md written out
 * in double, and its gradient against central finite differences of that value. Features are random (C, HW).
 */
class LossUnitsTest {
    static final int C = 3, HW = 7;
    final Backend b = new ScalarBackend();
    final SplittableRandom rnd = new SplittableRandom(3);

    float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /** The definition: G = F Fᵀ / (C·HW), (C, C), in double. */
    static double[] gram(float[] f) {
        double[] g = new double[C * C];
        for (int i = 0; i < C; i++)
            for (int j = 0; j < C; j++) {
                double s = 0;
                for (int p = 0; p < HW; p++) s += (double) f[i * HW + p] * f[j * HW + p];
                g[i * C + j] = s / (C * HW);
            }
        return g;
    }

    /** Central differences of {@code value} at every coordinate of f against {@code analytic}, relative to its largest entry. */
    static void checkGradient(String what, float[] f, float[] analytic, ToDoubleFunction<float[]> value) {
        double maxAbs = 0, worst = 0;
        for (float v : analytic) maxAbs = Math.max(maxAbs, Math.abs(v));
        for (int i = 0; i < f.length; i++) {
            float keep = f[i];
            f[i] = keep + 1e-2f;
            double plus = value.applyAsDouble(f);
            f[i] = keep - 1e-2f;
            double minus = value.applyAsDouble(f);
            double step = ((double) (keep + 1e-2f) - (keep - 1e-2f));
            f[i] = keep;
            double numeric = (plus - minus) / step;
            worst = Math.max(worst, Math.abs(numeric - analytic[i]) / maxAbs);
        }
        System.out.printf("%s: gradient vs finite differences, worst |diff| %.2e of max %.3e%n", what, worst * maxAbs, maxAbs);
        assertTrue(maxAbs > 0 && worst < 1e-3, what + ": worst relative difference " + worst);
    }

    @Test void contentLossIsTheMeanSquaredDifferenceAndItsGradientAccumulates() {
        float[] f = random(C * HW), p = random(C * HW);
        try (ContentLoss loss = new ContentLoss(b, C * HW)) {
            loss.setTarget(new HeapBuffer(p));
            double expected = 0;
            for (int i = 0; i < f.length; i++) expected += Math.pow((double) f[i] - p[i], 2) / f.length;
            assertEquals(expected, loss.value(new HeapBuffer(f)), 1e-6 * expected);

            Buffer d = b.allocate(C * HW);
            loss.addGradient(d, new HeapBuffer(f), 0.5);
            float[] once = HeapBuffer.of(d).clone();
            loss.addGradient(d, new HeapBuffer(f), 0.5);              // backward accumulates: twice 0.5 is once 1
            for (int i = 0; i < f.length; i++) assertEquals(2 * once[i], HeapBuffer.of(d)[i], 1e-6f);
            checkGradient("content loss", f, HeapBuffer.of(d), x -> loss.value(new HeapBuffer(x)));
        }
    }

    @Test void styleLossComparesGramMatricesAndBlendsItsTargets() {
        float[] f = random(C * HW), s1 = random(C * 4), s2 = random(C * 9);     // styles at their own sizes
        try (StyleLoss loss = new StyleLoss(b, C, HW)) {
            Buffer scratch = b.allocate(C * C);
            loss.addStyle(new HeapBuffer(s1), 4, 0.25f, scratch);
            loss.addStyle(new HeapBuffer(s2), 9, 0.75f, scratch);
            float[] a = loss.target();
            for (int i = 0; i < C; i++)                               // A = 0.25 G(s1) + 0.75 G(s2), each G over its own HW
                for (int j = 0; j < C; j++) {
                    double g1 = 0, g2 = 0;
                    for (int q = 0; q < 4; q++) g1 += (double) s1[i * 4 + q] * s1[j * 4 + q];
                    for (int q = 0; q < 9; q++) g2 += (double) s2[i * 9 + q] * s2[j * 9 + q];
                    assertEquals(0.25 * g1 / (C * 4) + 0.75 * g2 / (C * 9), a[i * C + j], 1e-6, "A[" + i + "," + j + "]");
                }
            double[] g = gram(f);
            double expected = 0;
            for (int k = 0; k < C * C; k++) expected += Math.pow(g[k] - a[k], 2) / (C * C);
            assertEquals(expected, loss.value(new HeapBuffer(f)), 1e-6 * expected);

            Buffer d = b.allocate(C * HW);
            loss.addGradient(d, new HeapBuffer(f), 1);
            checkGradient("style loss", f, HeapBuffer.of(d), x -> loss.value(new HeapBuffer(x)));
        }
    }

    @Test void guidedStyleLossWithAWhiteMaskIsThePlainLoss() {
        float[] f = random(C * HW), s = random(C * HW), white = new float[HW];
        java.util.Arrays.fill(white, 1f);
        GuidedStyleLoss.Scratch scratch = new GuidedStyleLoss.Scratch(b, C * HW);
        try (StyleLoss plain = new StyleLoss(b, C, HW); GuidedStyleLoss guided = new GuidedStyleLoss(b, C, HW, List.of(white), scratch)) {
            Buffer g = b.allocate(C * C);
            plain.addStyle(new HeapBuffer(s), HW, 1f, g);
            guided.addStyle(0, new HeapBuffer(s), HW, g);
            assertEquals(plain.value(new HeapBuffer(f)), guided.value(new HeapBuffer(f)));
            Buffer dPlain = b.allocate(C * HW), dGuided = b.allocate(C * HW);
            plain.addGradient(dPlain, new HeapBuffer(f), 2);
            guided.addGradient(dGuided, new HeapBuffer(f), 2);
            for (int i = 0; i < C * HW; i++) assertEquals(HeapBuffer.of(dPlain)[i], HeapBuffer.of(dGuided)[i], 0f);
        }
        scratch.close();
    }

    @Test void normalisedGradientKeepsTheValueAndScalesTheGradientToItsWeight() {
        float[] f = random(C * HW), s = random(C * HW);
        Buffer scratch = b.allocate(C * HW);
        StyleLoss unit = new StyleLoss(b, C, HW);
        try (NormalisedGradient wrapped = new NormalisedGradient(unit, b, scratch, C * HW)) {      // closes the unit too
            unit.addStyle(new HeapBuffer(s), HW, 1f, b.allocate(C * C));
            assertEquals(unit.value(new HeapBuffer(f)), wrapped.value(new HeapBuffer(f)));
            Buffer d = b.allocate(C * HW), raw = b.allocate(C * HW);
            wrapped.addGradient(d, new HeapBuffer(f), 3);
            unit.addGradient(raw, new HeapBuffer(f), 1);
            double l1 = 0, rawL1 = 0;
            for (int i = 0; i < C * HW; i++) { l1 += Math.abs(HeapBuffer.of(d)[i]); rawL1 += Math.abs(HeapBuffer.of(raw)[i]); }
            assertEquals(3, l1, 1e-4, "‖w·g/‖g‖₁‖₁ = w");
            for (int i = 0; i < C * HW; i++)                        // the same direction as the loss's gradient
                assertEquals(3 * HeapBuffer.of(raw)[i] / rawL1, HeapBuffer.of(d)[i], 1e-5);
        }
    }
}
