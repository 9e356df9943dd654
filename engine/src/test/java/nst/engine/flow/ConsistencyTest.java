package nst.engine.flow;

import nst.engine.flow.SyntheticMotion.Texture;
import nst.engine.image.Image;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Ruder et al.'s consistency check on a square moving right over a still background: frame 2's strip that the
 * square uncovers has no correspondence in frame 1 and must get weight 0.
 */
class ConsistencyTest {
    static final int W = 96, H = 72, X0 = 30, Y0 = 24, SIDE = 24, SHIFT = 4;

    static boolean inSquare(int x, int y, int left) { return x >= left && x < left + SIDE && y >= Y0 && y < Y0 + SIDE; }

    /** The strip of frame 2 the square uncovered: in the square in frame 1, background in frame 2. */
    static boolean uncovered(int x, int y) { return inSquare(x, y, X0) && !inSquare(x, y, X0 + SHIFT); }

    /** The true flows: forward on frame 1 (square +SHIFT), backward on frame 2 (square −SHIFT), background 0. */
    static FlowField trueFlow(int left, float u) {
        FlowField f = FlowField.zero(W, H);
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) if (inSquare(x, y, left)) f.u()[f.index(x, y)] = u;
        return f;
    }

    @Test void exactFlowsMarkExactlyTheUncoveredStripAndTheSquaresEdges() {
        FlowField forward = trueFlow(X0, SHIFT), backward = trueFlow(X0 + SHIFT, -SHIFT);
        boolean[] occluded = Consistency.disoccluded(forward, backward), boundary = Consistency.motionBoundary(backward);
        float[] c = Consistency.weights(forward, backward);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int i = backward.index(x, y);
                assertEquals(uncovered(x, y), occluded[i], "disocclusion at " + x + "," + y);
                // the central difference sees the jump of 4 from the pixels on either side of the square's outline
                boolean edge = false;
                int[][] nb = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
                for (int[] d : nb) {
                    int xn = Math.clamp(x + d[0], 0, W - 1), yn = Math.clamp(y + d[1], 0, H - 1);
                    edge |= inSquare(xn, yn, X0 + SHIFT) != inSquare(x, y, X0 + SHIFT);
                }
                assertEquals(edge, boundary[i], "motion boundary at " + x + "," + y);
                assertEquals(uncovered(x, y) || edge ? 0f : 1f, c[i], "weight at " + x + "," + y);
            }
    }

    /** The disocclusion threshold |w̃ + ŵ|² > 0.01(|w̃|² + |ŵ|²) + 0.5 on constant flows, either side of it. */
    @Test void disocclusionThreshold() {
        FlowField still = WarpTest.constant(8, 8, 0, 0);
        assertFalse(Consistency.disoccluded(still, WarpTest.constant(8, 8, 0.7f, 0))[0]);   // 0.49 <= 0.5049
        assertTrue(Consistency.disoccluded(still, WarpTest.constant(8, 8, 0.72f, 0))[0]);   // 0.5184 > 0.505184
        // large but opposite flows agree; 10 % off is within 0.01(|w̃|² + |ŵ|²) + 0.5 for |w| = 10: 1 <= 2.31
        assertFalse(Consistency.disoccluded(WarpTest.constant(8, 8, 10, 0), WarpTest.constant(8, 8, -9, 0))[3 * 8 + 3]);
        assertTrue(Consistency.disoccluded(WarpTest.constant(8, 8, 10, 0), WarpTest.constant(8, 8, -8, 0))[3 * 8 + 3]);
    }

    /** A backward flow that leaves frame 1 has nothing to compare with: weight 0 (our addition to the paper). */
    @Test void flowLeavingTheFrameGetsWeightZero() {
        float[] c = Consistency.weights(WarpTest.constant(8, 8, -2, 0), WarpTest.constant(8, 8, 2, 0));
        for (int x = 0; x < 8; x++) assertEquals(x + 2 <= 7 ? 1f : 0f, c[3 * 8 + x], "column " + x);
    }

    /**
     * With flows we compute: the uncovered strip is found, the background and the square's inside stay at 1.
     * Measured: 88 of 96 strip pixels at 0, 3866 of 3884 pixels more than 8 px from the square at 1.
     */
    @Test void computedFlowsFindTheDisocclusion() {
        Texture background = SyntheticMotion.texture(21), object = SyntheticMotion.texture(22);
        Image first = frame(background, object, X0), second = frame(background, object, X0 + SHIFT);
        OpticalFlow.Pair p = new OpticalFlow().bothDirections(first, second);
        float[] c = Consistency.weights(p.forward(), p.backward());
        int strip = 0, stripZero = 0, far = 0, farOne = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float ci = c[y * W + x];
                if (uncovered(x, y)) {
                    strip++;
                    if (ci == 0) stripZero++;
                } else if (distanceToSquare(x, y) > 8 && x >= 4 && x < W - 4 && y >= 4 && y < H - 4) {
                    far++;
                    if (ci == 1) farOne++;
                }
            }
        System.out.printf("consistency on a moving square: %d of %d uncovered pixels at 0, %d of %d pixels far from"
                + " the square at 1%n", stripZero, strip, farOne, far);
        assertTrue(stripZero >= 0.85 * strip, stripZero + " of " + strip + " uncovered pixels marked");
        assertTrue(farOne >= 0.99 * far, farOne + " of " + far + " far pixels kept");
    }

    /** Chessboard distance from (x, y) to the outline of the square in either frame (0 on the outline). */
    static int distanceToSquare(int x, int y) {
        int best = Integer.MAX_VALUE;
        for (int left : new int[]{X0, X0 + SHIFT}) {
            int right = left + SIDE - 1, bottom = Y0 + SIDE - 1;
            boolean inside = x >= left && x <= right && y >= Y0 && y <= bottom;
            int d = inside ? Math.min(Math.min(x - left, right - x), Math.min(y - Y0, bottom - y))
                    : Math.max(Math.max(left - x, x - right), Math.max(Y0 - y, y - bottom));
            best = Math.min(best, d);
        }
        return best;
    }

    /** Still background, the square (its own texture, brighter, moving with it) at column left. */
    static Image frame(Texture background, Texture object, int left) {
        float[] rgb = new float[3 * W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float g = inSquare(x, y, left) ? 0.3f + 0.7f * object.at(x - left, y) : 0.7f * background.at(x, y);
                for (int c = 0; c < 3; c++) rgb[(c * H + y) * W + x] = g;
            }
        return new Image(W, H, rgb);
    }
}
