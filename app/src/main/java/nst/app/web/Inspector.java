package nst.app.web;

import nst.engine.Inspection.FeatureMap;
import nst.engine.Inspection;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TileGrid;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * Records the step-through of one transfer from the engine's inspection hook ({@link StyleTransfer.Progress#objective()}):
 * per iteration the loss terms and per-layer style losses; at saved iterations a {@link Snapshot} of PNGs
 * (feature grids, Gram heatmaps, gradient). A run has one {@link Stage} per scale of {@code --scales}
 * ({@link #stage} starts the next one, from the listener's {@code started}); iterations are numbered across
 * stages, and each stage's fixed pictures are made from the content and style as the engine sees them there
 * (after colour preservation and --style-scale). Keeps PNG bytes only, never tensors, and at most
 * {@code maxSnapshots}. Shared by the web studio and {@code nst explain}. Leaves out layers that no loss uses,
 * snapshots of tiled stages (each evaluation sees one tile; their losses are still recorded), and with
 * --mask every region but the first in the Gram heatmaps.
 */
public final class Inspector {
    /** Channels shown per feature grid. */
    static final int GRID_CHANNELS = 16;
    /** Tiles are enlarged to at least this many pixels; Gram heatmaps are block-averaged to at most this side. */
    static final int MIN_TILE = 24, MAX_HEAT = 128;

    /** One layer's pictures that do not change during a stage. */
    public record LayerInfo(String name, boolean content, boolean style, int channels, int height, int width,
                            int[] shownChannels, byte[] contentGrid, byte[] styleGrid, byte[] gramTarget) {}

    /** One layer at one saved iteration: its current feature grid, its current Gram heatmap (style layers). */
    public record LayerShot(byte[] currentGrid, byte[] gramCurrent, double styleLoss) {}

    /**
     * One scale of the run: {@code index} of {@code count} (1-based), the image size, and the tile size
     * when the stage is refined in tiles (0 otherwise).
     */
    public record Stage(int index, int count, int width, int height, int tile) {
        /** "scale 2/3, 48×36", with "in 32 px tiles" for a tiled stage; empty for a plain single-stage run. */
        public String label() {
            if (count <= 1 && tile == 0) return "";
            String s = "scale " + index + "/" + count + ", " + width + "×" + height;
            return tile > 0 ? s + " in " + tile + " px tiles" : s;
        }
    }

    /** A saved iteration: its number across the run, its stage and the iteration within that stage. */
    public record Snapshot(int iteration, Stage stage, int stageIteration, LossTerms terms, byte[] image, byte[] gradient,
                           Map<String, LayerShot> layers) {}

    /** One iteration's losses: the weighted terms and the unweighted per-style-layer losses; stage is 1-based. */
    public record Point(int iteration, int stage, double seconds, LossTerms terms, double[] styleLayerLosses) {}

    private volatile StyleOptions options;                              // null after release()
    private final int saveEvery, maxSnapshots, planned;
    private final int[] schedule;
    private final List<String> layers = new ArrayList<>();
    private final List<String> styleLayers = new ArrayList<>();
    private final List<Stage> stages = new CopyOnWriteArrayList<>();
    private final Map<Integer, Map<String, LayerInfo>> info = new ConcurrentHashMap<>();    // by stage index
    private final Map<String, float[]> channelScale = new HashMap<>();   // job thread only, current stage
    private final Map<String, Float> gramScale = new HashMap<>();        // job thread only, current stage
    private final List<Point> points = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, Snapshot> snapshots = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile Stage current;
    private volatile int steps;
    private volatile long t0 = -1;
    private boolean stagePrepared;                                       // job thread only
    private StyleTransfer.Inputs seen;                                   // job thread only: the engine's inputs
    private UnaryOperator<Image> finisher;                               // job thread only: at finisherW × finisherH
    private int finisherW, finisherH;

    /** @param saveEvery a snapshot every this many iterations of a stage (and its first and last) */
    public Inspector(StyleOptions options, int saveEvery, int maxSnapshots) {
        this.options = options;
        this.saveEvery = Math.max(1, saveEvery);
        this.maxSnapshots = maxSnapshots;
        this.schedule = options.controls().schedule(options.size());
        this.planned = plannedIterations(options);
        LinkedHashSet<String> all = new LinkedHashSet<>();
        for (LayerWeight lw : options.contentLayers()) all.add(lw.layer());
        if (!options.styles().isEmpty()) for (LayerWeight lw : options.styleLayers()) {
            all.add(lw.layer());
            styleLayers.add(lw.layer());
        }
        layers.addAll(all);
    }

    /** Starts the next stage (call from {@link StyleTransfer.Listener#started}); width × height is the stage's image. */
    public synchronized void stage(int width, int height) {
        int si = Math.min(stages.size(), schedule.length - 1);
        int tile = options.controls().tile();
        boolean tiled = si == schedule.length - 1 && TileGrid.tiled(tile, width, height);
        Stage s = new Stage(stages.size() + 1, Math.max(schedule.length, stages.size() + 1), width, height, tiled ? tile : 0);
        stages.add(s);
        current = s;
        stagePrepared = false;
        channelScale.clear();
        gramScale.clear();
        finisher = null;
        if (t0 < 0) t0 = System.nanoTime();
    }

    /** Whether iteration {@code it} of a stage of {@code of} iterations gets a snapshot (every saveEvery, the first and the last). */
    public boolean isSaved(int it, int of) {
        return it == 1 || it % saveEvery == 0 || it == of;
    }

    /** Called from the listener on every iteration; returns the snapshot when one was taken. */
    public Snapshot record(StyleTransfer.Progress p) {
        Objective obj = p.objective();
        if (current == null) stage(obj.width(), obj.height());
        Stage st = current;
        int step = steps + 1;
        points.add(new Point(step, st.index(), seconds(), p.terms(), obj.styleLayerLosses()));
        steps = step;
        if (st.tile() > 0 || !isSaved(p.iteration(), p.iterations())) return null;
        boolean lastOfStage = p.iteration() == p.iterations();
        if (snapshots.size() >= maxSnapshots && !lastOfStage) return null;
        return snapshot(step, p.iteration(), p.terms(), p.image(), obj);
    }

    /**
     * Takes a snapshot at x. Evaluates the objective once more at x (the gradient is not part of the progress
     * report, and this also makes every activation belong to x); the optimiser's own state is untouched.
     */
    Snapshot snapshot(int iteration, int stageIteration, LossTerms terms, Image x, Objective obj) {
        if (!stagePrepared) prepare(obj);
        Map<String, LayerInfo> stageInfo = info.get(current.index());
        float[] grad = new float[x.rgb().length];                       // (3, H, W) d loss / d x
        obj.evaluate(x.rgb(), grad);
        double[] styleLoss = obj.styleLayerLosses();
        Map<String, LayerShot> shots = new LinkedHashMap<>();
        for (String l : layers) {
            LayerInfo li = stageInfo.get(l);
            FeatureMap cur = Inspection.current(obj, l);
            byte[] grid = Inspection.png(Inspection.featureGrid(cur, li.shownChannels(), channelScale.get(l), MIN_TILE));
            byte[] gram = null;
            double sl = Double.NaN;
            int si = styleLayers.indexOf(l);
            if (si >= 0) {
                gram = Inspection.png(Inspection.heatmap(obj.styleGram(l), li.channels(), gramScale.get(l), MAX_HEAT));
                sl = styleLoss[si];
            }
            shots.put(l, new LayerShot(grid, gram, sl));
        }
        Snapshot s = new Snapshot(iteration, current, stageIteration, terms, Images.pngBytes(shown(x)),
                Inspection.png(Inspection.gradientPicture(grad, x.width(), x.height())), shots);
        snapshots.put(iteration, s);
        return s;
    }

    /** The stage's fixed pictures: content and style feature grids (one forward pass each), Gram targets. */
    private void prepare(Objective obj) {
        Image content = stageContent(obj.width(), obj.height());
        Map<String, FeatureMap> cf = Inspection.features(obj.network(), content, layers);
        Map<String, FeatureMap> sf = options.styles().isEmpty() ? Map.of()
                : Inspection.features(obj.network(), stageStyle(current.index() - 1), layers);
        Map<String, LayerInfo> stageInfo = new LinkedHashMap<>();
        for (String l : layers) {
            FeatureMap c = cf.get(l), s = sf.get(l);
            int[] shown = Inspection.strongestChannels(c, GRID_CHANNELS);
            float[] scale = s == null ? Inspection.channelScale(shown, c) : Inspection.channelScale(shown, c, s);
            channelScale.put(l, scale);
            byte[] cg = Inspection.png(Inspection.featureGrid(c, shown, scale, MIN_TILE));
            byte[] sg = s == null ? null : Inspection.png(Inspection.featureGrid(s, shown, scale, MIN_TILE));
            boolean isStyle = styleLayers.contains(l);
            byte[] gt = null;
            if (isStyle) {
                float[] target = obj.styleTarget(l);
                float sc = Inspection.maxAbs(target);
                gramScale.put(l, sc);
                gt = Inspection.png(Inspection.heatmap(target, c.channels(), sc, MAX_HEAT));
            }
            boolean isContent = options.contentLayers().stream().anyMatch(lw -> lw.layer().equals(l));
            stageInfo.put(l, new LayerInfo(l, isContent, isStyle, c.channels(), c.height(), c.width(), shown, cg, sg, gt));
        }
        info.put(current.index(), stageInfo);
        stagePrepared = true;
    }

    // ---------------------------------------------------------------- the inputs as the engine sees them
    // The colour-preserved inputs are the engine's own (StyleTransfer.Inputs); the per-scale sizes follow its
    // resizing, and InspectorTest checks them against the objective's own content target and Gram targets.

    private StyleTransfer.Inputs seen() {
        if (seen == null) seen = StyleTransfer.Inputs.of(options);
        return seen;
    }

    /** The content as the objective of a w × h stage sees it: luminance only when preserving luminance. */
    Image stageContent(int w, int h) {
        return Images.resize(seen().content(), w, h);
    }

    /** The first style image as stage {@code si} (0-based) sees it: recoloured as --preserve-colors says, sized by --style-scale. */
    Image stageStyle(int si) {
        return Images.resizeLongest(seen().styles().get(0), options.controls().styleLongest(schedule[Math.min(si, schedule.length - 1)]));
    }

    /** x as the output will look: with luminance preservation, recombined with the content's chroma. */
    private Image shown(Image x) {
        if (finisher == null || finisherW != x.width() || finisherH != x.height()) {
            finisher = seen().finisher(options.content(), x.width(), x.height());
            finisherW = x.width();
            finisherH = x.height();
        }
        return finisher.apply(x);
    }

    /**
     * Optimiser iterations the run will make if no stage stops early: --iterations per scale, and at a tiled
     * last scale the engine's tile iterations ({@link TileGrid}, round by round).
     */
    static int plannedIterations(StyleOptions o) {
        if (o.adain()) return 0;                                   // one feed-forward pass
        int scales = o.controls().schedule(o.size()).length;
        TileGrid grid = TileGrid.ofLastScale(o);
        return grid == null ? o.iterations() * scales : o.iterations() * (scales - 1) + grid.totalIterations();
    }

    /** The number of tiles in each round of the tiled last scale; empty when the run is not tiled. */
    static int[] tilesPerRound(StyleOptions o) {
        TileGrid grid = TileGrid.ofLastScale(o);
        if (grid == null) return new int[0];
        int[] out = new int[grid.rounds()];
        for (int r = 0; r < out.length; r++) out[r] = grid.tiles(r);
        return out;
    }

    // ---------------------------------------------------------------- reading

    public List<String> layers() { return List.copyOf(layers); }
    public List<String> styleLayers() { return List.copyOf(styleLayers); }
    /** A layer's fixed pictures in a stage (1-based); null before that stage's first snapshot. */
    public LayerInfo info(int stage, String layer) {
        Map<String, LayerInfo> m = info.get(stage);
        return m == null ? null : m.get(layer);
    }
    /** Whether the stage's fixed pictures exist (they are made at its first snapshot). */
    public boolean prepared(int stage) { return info.containsKey(stage); }
    public List<Stage> stages() { return List.copyOf(stages); }
    public Stage currentStage() { return current; }
    /** Iterations recorded so far, across stages. */
    public int steps() { return steps; }
    /** See {@link #plannedIterations(StyleOptions)}. */
    public int plannedIterations() { return planned; }
    /** Seconds since the first stage started. */
    public double seconds() { return t0 < 0 ? 0 : (System.nanoTime() - t0) / 1e9; }

    public List<Point> points() {
        synchronized (points) { return List.copyOf(points); }
    }

    public List<Integer> savedIterations() {
        synchronized (snapshots) { return List.copyOf(snapshots.keySet()); }
    }

    public Snapshot snapshot(int iteration) { return snapshots.get(iteration); }

    /** Lets go of the job's inputs (the options' decoded images and their engine copies) once the run has ended. */
    public synchronized void release() {
        options = null;
        seen = null;
        finisher = null;
    }

    /** Frees memory: keeps only the last snapshot and its stage's pictures (the loss history stays). */
    public void trim() {
        synchronized (snapshots) {
            Snapshot last = latest();
            snapshots.clear();
            if (last != null) snapshots.put(last.iteration(), last);
            info.keySet().removeIf(k -> last == null || k != last.stage().index());
        }
    }

    /** The saved iteration closest to {@code iteration} (null when none is saved yet). */
    public Snapshot nearest(int iteration) {
        Snapshot best = null;
        synchronized (snapshots) {
            for (Snapshot s : snapshots.values())
                if (best == null || Math.abs(s.iteration() - iteration) < Math.abs(best.iteration() - iteration)) best = s;
        }
        return best;
    }

    public Snapshot latest() {
        Snapshot last = null;
        synchronized (snapshots) { for (Snapshot s : snapshots.values()) last = s; }
        return last;
    }
}
