package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.Objective;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tiled refinement at the last scale, for images whose whole-image plan does not fit in memory: overlapping
 * tiles ({@link TileGrid}) optimised one at a time against the whole style images' Grams, then blended with
 * raised-cosine weights. Leaves out the optimiser (a {@link TileOptimiser} runs it) and the tile layout
 * ({@link TileGrid}).
 */
final class TiledRefinement {
    private TiledRefinement() {}

    /** Optimises one tile x (3, h, w) in place for {@code iterations}, counted in the stage as {@code stage} says. */
    @FunctionalInterface
    interface TileOptimiser {
        void optimise(Objective objective, float[] x, int w, int h, int iterations, TransferRun.Stage stage);
    }

    /** Refuses a tiled run whose single tile does not fit the memory budget (heap-bound backends only). */
    static void checkMemory(StyleOptions o, VggSpec spec, int w, int h) {
        int t = o.controls().tile(), tw = Math.min(t, w), th = Math.min(t, h);
        MemoryEstimate e = MemoryEstimate.of(o, spec, tw, th, t, 3L * w * h + (long) w * h);
        long budget = MemoryEstimate.budget(o);
        if (e.total() > budget)
            throw new NstException("not enough memory even for tiles: one " + tw + "x" + th + " tile needs " + e.describe()
                    + ", but the budget is " + MemoryEstimate.mib(budget) + "; use a smaller --tile or a larger heap (NST_JAVA_OPTS=-Xmx16g)");
    }

    /**
     * Raised-cosine weight of pixel t (0-based) along a tile of length n: 0.5 − 0.5·cos(π(t + ½)/o) within
     * o pixels of an edge that lies inside the image, 1 elsewhere (and along edges on the image's border).
     */
    static float blendWeight(int t, int n, int overlap, boolean taperStart, boolean taperEnd) {
        double wgt = 1;
        if (taperStart && t < overlap) wgt *= 0.5 - 0.5 * Math.cos(Math.PI * (t + 0.5) / overlap);
        int fromEnd = n - 1 - t;
        if (taperEnd && fromEnd < overlap) wgt *= 0.5 - 0.5 * Math.cos(Math.PI * (fromEnd + 0.5) / overlap);
        return (float) wgt;
    }

    static Image crop(float[] v, int w, int h, int x0, int y0, int tw, int th) {
        float[] out = new float[3 * tw * th];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < th; y++)
                System.arraycopy(v, (c * h + y0 + y) * w + x0, out, (c * th + y) * tw, tw);
        return new Image(tw, th, out);
    }

    /**
     * Splits each style image larger than the tile into tiles of at most the tile's size, weighted by
     * area: A = Σ_t (area_t / area) G(s_t) is the whole image's Gram up to the convolutions' zero padding
     * at the cuts (the Gram is a sum over positions), without a plan at the style's full size.
     */
    static List<Image> styleTiles(List<Image> styles, double[] blend, int tile, List<Double> tileBlend) {
        List<Image> out = new ArrayList<>();
        for (int k = 0; k < styles.size(); k++) {
            Image s = styles.get(k);
            int nx = (s.width() + tile - 1) / tile, ny = (s.height() + tile - 1) / tile;
            int tw = (s.width() + nx - 1) / nx, th = (s.height() + ny - 1) / ny;
            for (int iy = 0; iy < ny; iy++) {
                for (int ix = 0; ix < nx; ix++) {
                    int x0 = ix * tw, y0 = iy * th, cw = Math.min(tw, s.width() - x0), ch = Math.min(th, s.height() - y0);
                    out.add(crop(s.rgb(), s.width(), s.height(), x0, y0, cw, ch));
                    tileBlend.add(blend[k] * cw * ch / ((double) s.width() * s.height()));
                }
            }
        }
        return out;
    }

    /**
     * Tiled refinement at the last scale: the image is covered by overlapping tiles of the tile size;
     * each round optimises every tile for {@code tileIterations} (content target: that tile of the
     * content; style targets: the whole style images, computed once), then blends the tiles with
     * raised-cosine weights. Tile offsets shift between rounds (by the golden ratio of the stride), so
     * no tile border stays in one place.
     *
     * <p>Progress counts tile iterations over the whole stage (rounds × tiles × iterations per round), so
     * the iteration and ETA never restart per tile. Intermediates ({@code saveEvery}) are the blended whole
     * image at the end of a round in which the count passed a multiple of {@code saveEvery}. run.x changes
     * only when a round ends, so a stop inside a round (NaN, device failure) leaves the previous round's
     * whole image there: that is the last good image; a cancellation blends the tiles done so far.
     */
    static void run(StyleOptions o, VggNetwork net, Objective.Config cfg, Image content, List<Image> styles, TransferRun run,
                    TileOptimiser optimiser) {
        Controls k = o.controls();
        int w = run.width, h = run.height, t = k.tile();
        TileGrid grid = TileGrid.of(w, h, t, o.iterations(), k.tileIterations());
        int tw = grid.tileWidth(), th = grid.tileHeight(), overlap = grid.overlap();
        List<Double> tb = new ArrayList<>();
        List<Image> styleTiles = styleTiles(styles, o.styles().isEmpty() ? new double[0] : o.normalisedBlend(), t, tb);
        double[] blend = tb.stream().mapToDouble(Double::doubleValue).toArray();
        int rounds = grid.rounds(), total = grid.totalIterations();      // tile iterations in the whole stage
        try (Objective objective = new Objective(net, cfg, crop(content.rgb(), w, h, 0, 0, tw, th), styleTiles, blend)) {
            run.listener.started(run.backendName + ", " + tw + "x" + th + " tiles", w, h);
            float[] acc = new float[3 * w * h];             // (3, H, W) Σ weight · tile result
            float[] wsum = new float[w * h];                // (H, W) Σ weight
            long start = System.nanoTime();
            int done = 0;                                   // tile iterations of the stage so far
            for (int r = 0; r < rounds && !run.cancelled; r++) {
                int iters = grid.roundIterations()[r], doneBefore = done;
                Arrays.fill(acc, 0f);
                Arrays.fill(wsum, 0f);
                float[] before = run.x.clone();
                for (int y0 : grid.ys()[r]) {
                    for (int x0 : grid.xs()[r]) {
                        objective.setContent(crop(content.rgb(), w, h, x0, y0, tw, th));
                        float[] xt = crop(before, w, h, x0, y0, tw, th).rgb();
                        if (!run.cancelled) optimiser.optimise(objective, xt, tw, th, iters, new TransferRun.Stage(done, total, start, false));
                        done += iters;
                        for (int yy = 0; yy < th; yy++) {
                            float wy = blendWeight(yy, th, overlap, y0 > 0, y0 + th < h);
                            for (int xx = 0; xx < tw; xx++) {
                                float wgt = wy * blendWeight(xx, tw, overlap, x0 > 0, x0 + tw < w);
                                int p = (y0 + yy) * w + x0 + xx;
                                wsum[p] += wgt;
                                for (int c = 0; c < 3; c++) acc[c * w * h + p] += wgt * xt[(c * th + yy) * tw + xx];
                            }
                        }
                    }
                }
                for (int c = 0; c < 3; c++)
                    for (int p = 0; p < w * h; p++) run.x[c * w * h + p] = acc[c * w * h + p] / wsum[p];
                int every = o.saveEvery();
                if (every > 0 && r < rounds - 1 && !run.cancelled && done / every > doneBefore / every)
                    run.listener.intermediate(done, run.finisher.apply(new Image(w, h, run.x.clone())));
            }
        }
    }
}
