package nst.engine;

import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A whole transfer, not one op: the same options and seed on a fast backend and on the scalar reference give
 * the same losses and the same image within the stated tolerance. The network is wide enough (64 channels, 64 px)
 * that the SIMD backend takes its real paths: implicit GEMM on conv1_1 and the 8×8 layers, Winograd on the
 * 64-channel layers at 16×16 and above, the vectorised Gram, pooling and reductions.
 *
 * <p>L-BFGS amplifies rounding differences along the trajectory: a slightly different curvature pair or line-search
 * interpolation changes the next trial step. So the bounds are tight where only the kernels and the first step
 * count (evaluation 0: the start image; evaluation 1: the first step along the gradient) and looser at the end.
 * Measured 2026-12-01, 6 iterations, 10 evaluations on each: simd evaluations 0–1 within 6e-10 relative, the first
 * amplified difference at evaluation 5 (2.5e-5), final loss 2.2e-3 relative, image |diff| max 0.024, mean 0.0029
 * (of [0, 1]); OpenCL (PoCL) evaluations 0–1 within 1e-9, a different line-search trial at evaluation 2 (2.3e-3)
 * that rejoins at evaluation 3 (2.6e-5), final loss 6.6e-3, image max 0.031, mean 0.0041.
 */
class BackendAgreementTest {
    static final VggWeights WIDE = VggWeights.random(VggSpec.vgg19().withWidths(64, 64, 64, 64, 64), 11, Preprocess.TORCHVISION);

    static List<String> fastBackends() {
        return TestBackends.names().stream().filter(n -> !n.equals("scalar")).toList();
    }

    static StyleTransfer.Result run(String backend) {
        StyleOptions o = StyleOptions.builder()
                .content(StyleTransferTest.pattern(64, 48, 1)).style(StyleTransferTest.pattern(56, 56, 2)).size(64)
                .weightsData(WIDE).backend(backend).iterations(6).styleWeight(1e3).tvWeight(1e-4)
                .contentLayers("relu4_2").build();              // pinned: random weights would default to relu2_2
        return new StyleTransfer().run(o, null, null);
    }

    @ParameterizedTest @MethodSource("fastBackends")
    void sameTransferAsScalar(String backend) {
        StyleTransfer.Result ref = run("scalar"), fast = run(backend);
        double first = rel(fast.history().get(0).terms().total(), ref.history().get(0).terms().total());
        double last = rel(fast.finalTerms().total(), ref.finalTerms().total());
        float[] a = fast.image().rgb(), b = ref.image().rgb();
        double maxDiff = 0, sumDiff = 0, early = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            sumDiff += Math.abs(a[i] - b[i]);
        }
        for (int i = 0; i < 2; i++) early = Math.max(early, rel(fast.history().get(i).terms().total(), ref.history().get(i).terms().total()));
        double meanDiff = sumDiff / a.length;
        if (Boolean.getBoolean("nst.test.verbose"))
            for (int i = 0; i < Math.min(fast.history().size(), ref.history().size()); i++)
                System.out.printf("  evaluation %d: %s %.9g, scalar %.9g%n", i, backend, fast.history().get(i).terms().total(), ref.history().get(i).terms().total());
        System.out.printf("%s vs scalar: evaluations 0-1 loss rel <= %.2e, final loss rel %.2e (%.6g vs %.6g), image |diff| max %.2e mean %.2e, %d vs %d evaluations%n",
                backend, early, last, fast.finalTerms().total(), ref.finalTerms().total(), maxDiff, meanDiff, fast.evaluations(), ref.evaluations());
        assertTrue(ref.finalTerms().total() < 0.6 * ref.history().get(0).terms().total(), "the reference run must make progress for the comparison to mean anything");
        assertTrue(first < 1e-7, backend + ": evaluation 0 loss differs from scalar by " + first + " relative");
        assertTrue(early < 1e-6, backend + ": evaluations 0-1 differ from scalar by up to " + early + " relative");
        assertTrue(last < 3e-2, backend + ": final loss differs from scalar by " + last + " relative");
        assertTrue(meanDiff < 5e-3 && maxDiff < 0.1, backend + ": final image differs from scalar by " + meanDiff + " on average, " + maxDiff + " at most");
    }

    /**
     * Reproducibility on the SIMD backend with 2 threads: a rerun in the same JVM (so with the JIT in another state,
     * and the workers finishing in another order) gives the same image bit for bit. At 96 px relu1_1 has 6912
     * positions, so the Gram takes its per-slot dot-product path.
     */
    @org.junit.jupiter.api.Test
    void simdRerunIsBitForBit() {
        StyleOptions o = StyleOptions.builder()
                .content(StyleTransferTest.pattern(96, 72, 1)).style(StyleTransferTest.pattern(80, 80, 2)).size(96)
                .weightsData(WIDE).backend("simd").threads(2).iterations(3).styleWeight(1e3).tvWeight(1e-4).build();
        float[] first = new StyleTransfer().run(o, null, null).image().rgb();
        for (int run = 1; run <= 2; run++)
            assertArrayEquals(first, new StyleTransfer().run(o, null, null).image().rgb(), "simd rerun " + run + " differs");
    }

    private static double rel(double a, double b) { return Math.abs(a - b) / Math.abs(b); }
}
