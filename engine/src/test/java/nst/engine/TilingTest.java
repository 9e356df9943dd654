package nst.engine;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Pooling;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static nst.engine.ControlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The memory estimate (against the plan's real buffers, and its error with the largest size that fits)
 * and tiled refinement: it completes under a budget too small for a direct run, and leaves no seam.
 */
class TilingTest {

    @Test void estimateMatchesThePlansBuffers() {
        for (int[] hw : new int[][] {{37, 53}, {64, 64}, {96, 40}}) {
            Set<Integer> taps = new TreeSet<>();
            for (String l : new String[] {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2"}) taps.add(SPEC.indexOf(l));
            int last = SPEC.indexOf("relu4_2");
            try (var backend = new ScalarBackend(); VggNetwork net = new VggNetwork(backend, WEIGHTS, Pooling.MAX);
                 VggNetwork.Plan plan = net.plan(hw[0], hw[1], last, taps)) {
                long[] f = MemoryEstimate.planFloats(SPEC, hw[0], hw[1], last, taps, Pooling.MAX);
                assertEquals(plan.bytes(), 4 * (f[0] + f[1]), "plan bytes at " + Arrays.toString(hw));
            }
        }
        StyleOptions o = small(1024, 500).build();
        MemoryEstimate e = MemoryEstimate.of(o, VggSpec.vgg19(), 1024, 768, 1024, 0);
        System.out.println("estimate, VGG19 to relu5_1, 1024x768, L-BFGS history 100: " + e.describe());
        assertEquals(4L * 2 * 100 * 3 * 1024 * 768, e.optimizer() - 4L * 8 * 3 * 1024 * 768, "history 2·m·3·H·W floats");
        // a run of fewer iterations than the history never fills it: one (s, y) pair at most per iteration
        MemoryEstimate few = MemoryEstimate.of(small(1024, 3).build(), VggSpec.vgg19(), 1024, 768, 1024, 0);
        assertEquals(4L * 2 * 3 * 3 * 1024 * 768, few.optimizer() - 4L * 8 * 3 * 1024 * 768, "history of a 3-iteration run");
    }

    @Test void tooLargeForTheBudgetFailsBeforeStartingAndNamesTheLargestSizeThatFits() {
        // a budget half the direct run's estimate (24 MiB before issue 18 made the plans smaller)
        Image c256 = Images.resizeLongest(small(256, 2).build().content(), 256);
        long half = MemoryEstimate.of(small(256, 2).build(), SPEC, c256.width(), c256.height(), 256, 0).total() / 2;
        StyleOptions o = small(256, 2).memoryBudget(half).build();
        NstException ex = assertThrows(NstException.class, () -> new StyleTransfer().run(o, null, null));
        System.out.println(ex.getMessage());
        assertTrue(ex.getMessage().contains("not enough memory") && ex.getMessage().contains("largest size that fits is about"), ex.getMessage());
        int fits = Integer.parseInt(ex.getMessage().replaceAll(".*largest size that fits is about (\\d+) px.*", "$1"));
        assertTrue(fits < 256 && fits >= 16, "fits " + fits);
        // the size it names does fit
        StyleOptions smaller = o.toBuilder().size(fits).build();
        Image c = Images.resizeLongest(smaller.content(), fits);
        assertTrue(MemoryEstimate.of(smaller, SPEC, c.width(), c.height(), fits, 0).total() <= half);
    }

    @Test void tileStartsCoverTheImageWithOverlap() {
        for (int shift = 0; shift < 48; shift += 7) {
            int[] s = TileGrid.starts(200, 64, 48, shift);
            assertEquals(0, s[0]);
            assertEquals(200 - 64, s[s.length - 1]);
            for (int i = 1; i < s.length; i++) assertTrue(s[i] - s[i - 1] <= 48 && s[i] > s[i - 1], Arrays.toString(s));
        }
        assertArrayEquals(new int[] {0}, TileGrid.starts(50, 64, 48, 3));
    }

    /**
     * A 144×108 image in 64-pixel tiles under a budget a direct run exceeds: it completes, and the image
     * gradient across the tile borders of the last round lies within the distribution of the other rows
     * and columns (no seam).
     */
    @Test void tiledRefinementCompletesUnderASmallBudgetWithoutSeams() {
        int size = 144, tile = 64;
        // a budget between one tile's estimate and the direct run's (20 MiB before issue 18 made the plans smaller)
        Image c0 = Images.resizeLongest(small(size, 20).build().content(), size);
        long whole = MemoryEstimate.of(small(size, 20).build(), SPEC, c0.width(), c0.height(), size, 0).total();
        long oneTile = MemoryEstimate.of(small(size, 20).build(), SPEC, tile, tile, tile, 4L * c0.width() * c0.height()).total();
        assertTrue(oneTile < whole, oneTile + " vs " + whole);
        long budget = (oneTile + whole) / 2;
        StyleOptions direct = small(size, 20).memoryBudget(budget).build();
        NstException e = assertThrows(NstException.class, () -> new StyleTransfer().run(direct, null, null), "a direct run does not fit");
        assertTrue(e.getMessage().startsWith("not enough memory") && e.getMessage().contains("the largest size that fits is")
                && e.getMessage().contains("tile"), "the refusal says what fits and what to do: " + e.getMessage());
        StyleOptions tiled = direct.toBuilder().tile(tile).tileIterations(5).build();
        StyleTransfer.Result r = new StyleTransfer().run(tiled, null, null);
        Image out = r.image();
        assertEquals(size, Math.max(out.width(), out.height()));
        for (float v : out.rgb()) assertTrue(Float.isFinite(v));
        // the last round's tile borders: round 3 (20 iterations / 5 per round = rounds 0..3)
        TileGrid grid = TileGrid.of(out.width(), out.height(), tile, tiled.iterations(), tiled.controls().tileIterations());
        assertEquals(4, grid.rounds());
        int[] xs = grid.xs()[3], ys = grid.ys()[3];
        // the tiled image really changed from the content
        Image content = Images.resizeLongest(tiled.content(), size);
        assertTrue(maxAbsDiff(content.rgb(), out.rgb()) > 0.05);
        // a hard paste of unblended tiles shows (seamNegativeControl); the blend must not
        assertEquals(List.of(), seams(out, xs, ys, tile), "seams of the blended tiles");
    }

    /**
     * The negative control of the seam criterion: the same grid of 64-pixel tiles, each optimised on its own
     * and pasted hard (no overlap blend, later tiles over earlier ones), must fail it.
     */
    @Test void seamNegativeControl() {
        int size = 144, tile = 64, overlap = tile / 4, stride = tile - overlap;
        Image content = Images.resizeLongest(small(size, 1).build().content(), size);
        int w = content.width(), h = content.height();
        int shift = (int) Math.floor(((3 * 0.6180339887498949) % 1.0) * stride);
        int[] xs = TileGrid.starts(w, tile, stride, shift), ys = TileGrid.starts(h, tile, stride, (shift * 7 / 5) % stride);
        float[] pasted = content.rgb().clone();                 // (3, H, W)
        for (int y0 : ys) {
            for (int x0 : xs) {
                Image crop = TiledRefinement.crop(content.rgb(), w, h, x0, y0, tile, tile);
                Image t = new StyleTransfer().run(small(tile, 10).content(crop).build(), null, null).image();
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < tile; y++)
                        System.arraycopy(t.rgb(), (c * tile + y) * tile, pasted, (c * h + y0 + y) * w + x0, tile);
            }
        }
        List<String> found = seams(new Image(w, h, pasted), xs, ys, tile);
        System.out.println("hard paste of " + xs.length * ys.length + " tiles: seams at " + found);
        assertFalse(found.isEmpty(), "the seam criterion passes a hard paste of unblended tiles: it cannot fail");
    }

    /**
     * The seam criterion: at every tile border (of the grid given by xs, ys), the mean |Δ| across it must not
     * exceed the 98th percentile of all other rows' or columns' mean |Δ|. Returns the borders that fail.
     */
    static List<String> seams(Image out, int[] xs, int[] ys, int tile) {
        Set<Integer> borderCols = borders(xs, tile, out.width()), borderRows = borders(ys, tile, out.height());
        double[] col = columnJumps(out), row = rowJumps(out);
        report("columns", col, borderCols);
        report("rows", row, borderRows);
        List<String> failed = new ArrayList<>();
        double colLimit = percentile(without(col, borderCols), 0.98), rowLimit = percentile(without(row, borderRows), 0.98);
        for (int b : borderCols) if (col[b] > colLimit) failed.add("column " + b);
        for (int b : borderRows) if (row[b] > rowLimit) failed.add("row " + b);
        return failed;
    }

    /** Tile iterations of a tiled stage: Σ over rounds of iterations per round × tiles in that round's grid. */
    static int stageIterations(int w, int h, int tile, int iterations, int tileIterations) {
        return TileGrid.of(w, h, tile, iterations, tileIterations).totalIterations();
    }

    /**
     * Luminance transfer with tiles and intermediates (the full-size colour finisher used to meet tile-sized
     * images and throw): intermediates are the whole blended image once per round, and progress counts tile
     * iterations monotonically over the whole stage instead of restarting per tile.
     */
    @Test void tiledIntermediatesAreTheWholeImageAndProgressCountsOverTheStage() {
        StyleOptions o = small(48, 4).tile(32).tileIterations(2).saveEvery(1).preserveColors(Controls.ColorPreservation.LUMINANCE).build();
        Image content = Images.resizeLongest(o.content(), 48);
        int total = stageIterations(content.width(), content.height(), 32, 4, 2);
        List<Integer> seen = new ArrayList<>(), totals = new ArrayList<>(), savedAt = new ArrayList<>();
        List<Image> saved = new ArrayList<>();
        StyleTransfer.Result r = new StyleTransfer().run(o, new StyleTransfer.Listener() {
            @Override public void iteration(StyleTransfer.Progress p) {
                seen.add(p.iteration());
                totals.add(p.iterations());
            }
            @Override public void intermediate(int iteration, Image image) {
                savedAt.add(iteration);
                saved.add(image);
            }
        }, null);
        System.out.println("tiled progress " + seen + " of " + totals.get(0) + "; intermediates at " + savedAt);
        assertEquals(content.width(), r.image().width());
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i) > seen.get(i - 1), "progress went back: " + seen);
        assertEquals(Set.of(total), Set.copyOf(totals));
        assertEquals(total, seen.get(seen.size() - 1));
        assertEquals(List.of(stageIterations(content.width(), content.height(), 32, 2, 2)), savedAt,
                "one intermediate, after the first round (its tiles × 2 iterations); the last round's image is the result");
        for (Image im : saved) {
            assertEquals(content.width(), im.width());
            assertEquals(content.height(), im.height());
        }
    }

    /** A NaN in the second round of tiles keeps the whole image blended at the end of the first round. */
    @Test void aNonFiniteLossDuringTilingKeepsTheLastWholeImage() {
        StyleOptions o = small(48, 6).tile(32).tileIterations(2).saveEvery(1).build();
        FaultyBackend backend = new FaultyBackend();
        List<Image> saved = new ArrayList<>();
        int firstRound = stageIterations(48, 36, 32, 2, 2);
        StyleTransfer.NonFiniteLossException e = assertThrows(StyleTransfer.NonFiniteLossException.class,
                () -> new StyleTransfer().run(o, WEIGHTS, backend, new StyleTransfer.Listener() {
                    @Override public void iteration(StyleTransfer.Progress p) { if (p.iteration() == firstRound + 2) backend.poison = true; }
                    @Override public void intermediate(int iteration, Image image) { saved.add(image); }
                }, null));
        assertTrue(e.getMessage().startsWith("loss became NaN at iteration") && e.getMessage().endsWith("try smaller weights or learning rate"), e.getMessage());
        Image kept = e.lastGood().image();
        assertEquals(48, kept.width());
        assertEquals(36, kept.height());
        assertEquals(1, saved.size(), "the first round's blend");
        assertArrayEquals(saved.get(0).rgb(), kept.rgb(), "the kept image is the whole image after the first round");
    }

    /** Positions p where a tile edge lies between pixel p−1 and p (inside the image). */
    static Set<Integer> borders(int[] starts, int tile, int len) {
        Set<Integer> s = new TreeSet<>();
        for (int p : starts) {
            if (p > 0) s.add(p);
            if (p + tile < len) s.add(p + tile);
        }
        return s;
    }

    /** jump[x] = mean over rows and channels of |I(x) − I(x−1)| (jump[0] unused). */
    static double[] columnJumps(Image im) {
        int w = im.width(), h = im.height();
        double[] j = new double[w];
        for (int x = 1; x < w; x++) {
            double s = 0;
            for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) s += Math.abs(im.get(c, y, x) - im.get(c, y, x - 1));
            j[x] = s / (3 * h);
        }
        return j;
    }

    static double[] rowJumps(Image im) {
        int w = im.width(), h = im.height();
        double[] j = new double[h];
        for (int y = 1; y < h; y++) {
            double s = 0;
            for (int c = 0; c < 3; c++) for (int x = 0; x < w; x++) s += Math.abs(im.get(c, y, x) - im.get(c, y - 1, x));
            j[y] = s / (3 * w);
        }
        return j;
    }

    static double[] without(double[] v, Set<Integer> skip) {
        return java.util.stream.IntStream.range(1, v.length).filter(i -> !skip.contains(i)).mapToDouble(i -> v[i]).toArray();
    }

    static double percentile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(q * (s.length - 1)))];
    }

    static void report(String what, double[] jumps, Set<Integer> borders) {
        double[] rest = without(jumps, borders);
        StringBuilder b = new StringBuilder();
        for (int p : borders) b.append(String.format(" %d:%.4f", p, jumps[p]));
        System.out.printf("tile seams (%s): borders%s; elsewhere median %.4f, 98th percentile %.4f, max %.4f%n", what, b,
                percentile(rest, 0.5), percentile(rest, 0.98), percentile(rest, 1.0));
    }
}
