package nst.engine.flow;

import nst.engine.flow.SyntheticMotion.Motion;
import nst.engine.flow.SyntheticMotion.Texture;
import nst.engine.image.Image;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Horn–Schunck with warping on synthetic sequences whose true flow is known (SyntheticMotion): end-point error in
 * both directions, over pixels at least 8 px from the border (where content enters or leaves the frame). Measured
 * with the default settings (printed by each test): 0.029 to 0.060 px; the bounds are about twice that.
 */
class OpticalFlowTest {
    static final int W = 96, H = 72, MARGIN = 8;

    /** EPE of the forward and the backward flow of one sequence; the backward truth is the inverse motion. */
    static double[] errors(Motion m, long seed, OpticalFlow method) {
        Texture t = SyntheticMotion.texture(seed);
        Image a = SyntheticMotion.first(t, W, H), b = SyntheticMotion.second(t, W, H, m);
        OpticalFlow.Pair p = method.bothDirections(a, b);
        FlowField backTruth = FlowField.zero(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double[] q = m.invert(x, y, W, H);
                backTruth.u()[backTruth.index(x, y)] = (float) (q[0] - x);
                backTruth.v()[backTruth.index(x, y)] = (float) (q[1] - y);
            }
        double forward = p.forward().endPointError(m.truth(W, H), MARGIN), backward = p.backward().endPointError(backTruth, MARGIN);
        System.out.printf("flow %s %dx%d: EPE forward %.4f px, backward %.4f px%n", m, W, H, forward, backward);
        return new double[]{forward, backward};
    }

    static void assertBothUnder(double bound, double[] e) {
        assertTrue(e[0] < bound, "forward EPE " + e[0] + " >= " + bound);
        assertTrue(e[1] < bound, "backward EPE " + e[1] + " >= " + bound);
    }

    @Test void subPixelTranslation() { assertBothUnder(0.12, errors(Motion.translation(1.37, -0.62), 1, new OpticalFlow())); }

    @Test void largerTranslationNeedsThePyramid() {
        Motion m = Motion.translation(8.6, -5.3);
        assertBothUnder(0.1, errors(m, 2, new OpticalFlow()));
        var singleLevel = new OpticalFlow(OpticalFlow.Settings.DEFAULT.withMinSize(1000), new SimdRelaxation());
        double[] e = errors(m, 2, singleLevel);
        assertTrue(e[0] > 1, "without coarse-to-fine the 10 px motion should not be found, EPE " + e[0]);
    }

    @Test void rotation() { assertBothUnder(0.12, errors(new Motion(0, 0, Math.toRadians(2), 1), 3, new OpticalFlow())); }

    @Test void zoom() { assertBothUnder(0.12, errors(new Motion(0, 0, 0, 1.03), 4, new OpticalFlow())); }

    @Test void rotationZoomAndTranslation() {
        assertBothUnder(0.12, errors(new Motion(0.5, -0.3, Math.toRadians(1), 1.02), 5, new OpticalFlow()));
    }

    /** The Vector API sweep repeats the reference's arithmetic: the whole flow is the same, bit for bit. */
    @Test void simdFlowEqualsTheScalarReference() {
        Texture t = SyntheticMotion.texture(6);
        int w = 45, h = 31;   // odd sizes: vector tails on every row
        Motion m = new Motion(1.2, 0.7, Math.toRadians(1.5), 1.01);
        Image a = SyntheticMotion.first(t, w, h), b = SyntheticMotion.second(t, w, h, m);
        FlowField scalar = new OpticalFlow(OpticalFlow.Settings.DEFAULT, new ScalarRelaxation()).compute(a, b);
        FlowField simd = new OpticalFlow(OpticalFlow.Settings.DEFAULT, new SimdRelaxation()).compute(a, b);
        assertArrayEquals(scalar.u(), simd.u());
        assertArrayEquals(scalar.v(), simd.v());
        assertTrue(scalar.endPointError(m.truth(w, h), 6) < 0.15, "the reference itself finds the motion");
    }

    @Test void badInputIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new OpticalFlow().compute(Image.blank(4, 3), Image.blank(3, 4)));
        assertEquals("optical flow needs frames of one size, not Image[4x3] and Image[3x4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OpticalFlow.Settings(0, 0.5, 16, 5, 60, 1, 2));
        assertEquals("flow alpha must be in (0, 10), not 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OpticalFlow.Settings(0.03, 0.99, 16, 5, 60, 1, 2));
        assertEquals("flow pyramid scale must be in [0.4, 0.95], not 0.99", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OpticalFlow.Settings(0.03, 0.5, 16, 5, 0, 1, 2));
        assertEquals("flow iterations must be in [1, 10000], not 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OpticalFlow.Settings(0.03, 0.5, 16, 5, 60, 1, 6));
        assertEquals("flow median filter radius must be in [0, 5], not 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Relaxation.named("gpu"));
        assertEquals("flow relaxation must be scalar or simd, not 'gpu'", e.getMessage());
    }

    /**
     * The pyramid ends when rounding stops a level from shrinking (9 × 0.95 rounds back to 9), not never; level
     * sizes are the full size times scale^l, rounded.
     */
    @Test void pyramidEndsWhenSizesStopShrinking() {
        var s = new OpticalFlow.Settings(0.01, 0.95, 8, 1, 1, 0, 0);
        var levels = new OpticalFlow(s, new ScalarRelaxation()).pyramid(new Gray(9, 9, new float[9 * 9]));
        assertEquals(1, levels.size());
        var wide = new OpticalFlow(s, new ScalarRelaxation()).pyramid(new Gray(12, 40, new float[12 * 40]));
        assertEquals(List.of("12x40", "11x38", "11x36", "10x34", "10x33", "9x31", "9x29", "8x28", "8x27", "8x25"), wide.stream().map(g -> g.width() + "x" + g.height()).toList());
    }

    /** The 5 × 5 median removes a lone outlier and keeps a straight motion boundary where it is. */
    @Test void medianFilterRemovesOutliersAndKeepsEdges() {
        int w = 10, h = 8;
        FlowField f = FlowField.zero(w, h);
        for (int y = 0; y < h; y++) for (int x = 5; x < w; x++) f.u()[f.index(x, y)] = 4;
        f.v()[f.index(2, 3)] = 9;   // outlier
        FlowField m = new OpticalFlow().medianFilter(f);
        assertArrayEquals(f.u(), m.u(), "the step edge stays");
        assertArrayEquals(new float[w * h], m.v(), "the outlier goes");
    }

    /** Quickselect against sorting, on windows with repeats, every k. */
    @Test void selectFindsTheKthSmallest() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (int n = 1; n <= 25; n++)
            for (int k = 0; k < n; k++) {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = r.nextInt(6);   // repeats on purpose
                float[] sorted = a.clone();
                java.util.Arrays.sort(sorted);
                float got = Gray.select(a, n, k);
                assertEquals(sorted[k], got, "n " + n + " k " + k);
                for (int i = 0; i < k; i++) assertTrue(a[i] <= got, "left part at n " + n + " k " + k);
                for (int i = k + 1; i < n; i++) assertTrue(a[i] >= got, "right part at n " + n + " k " + k);
            }
    }

    @Test void tinyFramesGiveAFlowOfTheirSize() {
        FlowField f = new OpticalFlow().compute(Image.blank(1, 1), Image.blank(1, 1));
        assertEquals(1, f.pixels());
        assertEquals(0f, f.u()[0]);
        Texture t = SyntheticMotion.texture(7);
        FlowField g = new OpticalFlow().compute(SyntheticMotion.first(t, 3, 2), SyntheticMotion.first(t, 3, 2));
        assertArrayEquals(new float[6], g.u(), "identical frames: no motion");
    }
}
