package nst.engine;

import nst.engine.image.Images;

import java.util.TreeSet;

/**
 * The layout of tiled refinement (docs/CONTROLS.md): N × N tiles overlapping by max(4, N/4), and per round of
 * {@code tileIterations} the tile starts, shifted between rounds by the golden ratio of the stride (differently
 * in x and y) so that no border stays put. The engine optimises by it; the studio and explain plan their
 * progress and step-through with it. Leaves out the blending weights (TiledRefinement.blendWeight).
 */
public record TileGrid(int width, int height, int tileWidth, int tileHeight, int overlap, int stride,
                       int[][] xs, int[][] ys, int[] roundIterations) {

    /** The grid for a width × height image, tiles of {@code tile} px, {@code iterations} per tile in rounds of {@code tileIterations}. */
    public static TileGrid of(int width, int height, int tile, int iterations, int tileIterations) {
        int tw = Math.min(tile, width), th = Math.min(tile, height);
        int overlap = Math.max(4, tile / 4), stride = Math.max(1, tile - overlap);
        int rounds = Math.max(1, (iterations + tileIterations - 1) / tileIterations);
        int[][] xs = new int[rounds][], ys = new int[rounds][];
        int[] its = new int[rounds];
        for (int r = 0; r < rounds; r++) {
            its[r] = iterations == 0 ? 0 : Math.min(tileIterations, iterations - r * tileIterations);
            int shift = (int) Math.floor(((r * 0.6180339887498949) % 1.0) * stride);
            xs[r] = starts(width, tw, stride, shift);
            ys[r] = starts(height, th, stride, (shift * 7 / 5) % stride);
        }
        return new TileGrid(width, height, tw, th, overlap, stride, xs, ys, its);
    }

    /**
     * The grid of a run's last scale when that scale is tiled (as {@link StyleTransfer} decides: {@code --tile}
     * set and the image larger than a tile), else null.
     */
    public static TileGrid ofLastScale(StyleOptions o) {
        Controls k = o.controls();
        int[] schedule = k.schedule(o.size());
        int[] size = Images.longestSize(o.content().width(), o.content().height(), schedule[schedule.length - 1]);
        if (!tiled(k.tile(), size[0], size[1])) return null;
        return of(size[0], size[1], k.tile(), o.iterations(), k.tileIterations());
    }

    /** Whether a last scale of width × height is refined in tiles of {@code tile} px (0: never): when it is larger than a tile. */
    public static boolean tiled(int tile, int width, int height) {
        return tile > 0 && (width > tile || height > tile);
    }

    /** Positions of tiles of length n over [0, len) with at most {@code stride} between starts, shifted back by {@code shift}. */
    static int[] starts(int len, int n, int stride, int shift) {
        if (n >= len) return new int[] {0};
        TreeSet<Integer> p = new TreeSet<>();
        for (int s = -shift; s < len - n; s += stride) p.add(Math.max(0, s));
        p.add(len - n);
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    public int rounds() { return roundIterations.length; }

    /** Tiles in round r. */
    public int tiles(int round) { return xs[round].length * ys[round].length; }

    /** Tile iterations of the whole stage: Σ over rounds of tiles × that round's iterations. */
    public int totalIterations() {
        int total = 0;
        for (int r = 0; r < rounds(); r++) total += roundIterations[r] * tiles(r);
        return total;
    }
}
