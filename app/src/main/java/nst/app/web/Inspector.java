package nst.app.web;

import nst.engine.Image;
import nst.engine.Images;
import nst.engine.Inspection;
import nst.engine.Inspection.FeatureMap;
import nst.engine.LayerWeight;
import nst.engine.LossTerms;
import nst.engine.Objective;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Records the step-through of one transfer from the engine's inspection hook ({@link StyleTransfer.Progress#objective()}):
 * per iteration the loss terms and per-layer style losses; at saved iterations a {@link Snapshot} of PNGs
 * (feature grids, Gram heatmaps, gradient). Keeps PNG bytes only, never tensors, and at most {@code maxSnapshots}.
 * Shared by the web studio and {@code nst explain}. Leaves out layers that no loss uses (the network is cut there).
 */
public final class Inspector {
    /** Channels shown per feature grid. */
    static final int GRID_CHANNELS = 16;
    /** Tiles are enlarged to at least this many pixels; Gram heatmaps are block-averaged to at most this side. */
    static final int MIN_TILE = 24, MAX_HEAT = 128;

    /** One layer's pictures that do not change during the transfer. */
    public record LayerInfo(String name, boolean content, boolean style, int channels, int height, int width,
                            int[] shownChannels, byte[] contentGrid, byte[] styleGrid, byte[] gramTarget) {}

    /** One layer at one saved iteration: its current feature grid, its current Gram heatmap (style layers). */
    public record LayerShot(byte[] currentGrid, byte[] gramCurrent, double styleLoss) {}

    /** A saved iteration. */
    public record Snapshot(int iteration, LossTerms terms, byte[] image, byte[] gradient, Map<String, LayerShot> layers) {}

    /** One iteration's losses: the weighted terms and the unweighted per-style-layer losses. */
    public record Point(int iteration, double seconds, LossTerms terms, double[] styleLayerLosses) {}

    private final StyleOptions options;
    private final int maxSnapshots;
    private final List<String> layers = new ArrayList<>();
    private final List<String> styleLayers = new ArrayList<>();
    private final Map<String, LayerInfo> info = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, float[]> channelScale = new java.util.HashMap<>();   // job thread only
    private final Map<String, Float> gramScale = new java.util.HashMap<>();        // job thread only
    private volatile boolean ready;
    private final List<Point> points = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, Snapshot> snapshots = Collections.synchronizedMap(new LinkedHashMap<>());

    public Inspector(StyleOptions options, int maxSnapshots) {
        this.options = options;
        this.maxSnapshots = maxSnapshots;
        LinkedHashSet<String> all = new LinkedHashSet<>();
        for (LayerWeight lw : options.contentLayers()) all.add(lw.layer());
        if (!options.styles().isEmpty()) for (LayerWeight lw : options.styleLayers()) {
            all.add(lw.layer());
            styleLayers.add(lw.layer());
        }
        layers.addAll(all);
    }

    /** Whether {@code iteration} is one that gets a snapshot (every saveEvery, the first and the last). */
    public boolean isSaved(int iteration) {
        int every = Math.max(1, options.saveEvery());
        return iteration == 1 || iteration % every == 0 || iteration == options.iterations();
    }

    /** Called from the listener on every iteration; returns the snapshot when one was taken. */
    public Snapshot record(StyleTransfer.Progress p) {
        Objective obj = p.objective();
        points.add(new Point(p.iteration(), p.elapsedSeconds(), p.terms(), obj.styleLayerLosses()));
        if (!isSaved(p.iteration()) || (snapshots.size() >= maxSnapshots && p.iteration() != options.iterations())) return null;
        return snapshot(p.iteration(), p.terms(), p.image(), obj);
    }

    /**
     * Takes a snapshot at x. Evaluates the objective once more at x (the gradient is not part of the progress
     * report, and this also makes every activation belong to x); the optimiser's own state is untouched.
     */
    Snapshot snapshot(int iteration, LossTerms terms, Image x, Objective obj) {
        if (!ready) prepare(obj);
        float[] grad = new float[x.rgb().length];                       // (3, H, W) d loss / d x
        obj.evaluate(x.rgb(), grad);
        double[] styleLoss = obj.styleLayerLosses();
        Map<String, LayerShot> shots = new LinkedHashMap<>();
        for (String l : layers) {
            LayerInfo li = info.get(l);
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
        Snapshot s = new Snapshot(iteration, terms, Images.pngBytes(x), Inspection.png(Inspection.gradientPicture(grad, x.width(), x.height())), shots);
        snapshots.put(iteration, s);
        return s;
    }

    /** The pictures that stay fixed: content and style feature grids (one forward pass each), Gram targets. */
    private void prepare(Objective obj) {
        Image content = Images.resizeLongest(options.content(), options.size());
        Map<String, FeatureMap> cf = Inspection.features(obj.network(), content, layers);
        Map<String, FeatureMap> sf = options.styles().isEmpty() ? Map.of()
                : Inspection.features(obj.network(), Images.resizeLongest(options.styles().get(0), options.size()), layers);
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
            info.put(l, new LayerInfo(l, isContent, isStyle, c.channels(), c.height(), c.width(), shown, cg, sg, gt));
        }
        ready = true;
    }

    public List<String> layers() { return List.copyOf(layers); }
    public List<String> styleLayers() { return List.copyOf(styleLayers); }
    public LayerInfo info(String layer) { return info.get(layer); }
    public boolean prepared() { return ready; }

    public List<Point> points() {
        synchronized (points) { return List.copyOf(points); }
    }

    public List<Integer> savedIterations() {
        synchronized (snapshots) { return List.copyOf(snapshots.keySet()); }
    }

    public Snapshot snapshot(int iteration) { return snapshots.get(iteration); }

    /** Frees memory: keeps only the last snapshot (the loss history stays). */
    public void trim() {
        synchronized (snapshots) {
            Snapshot last = latest();
            snapshots.clear();
            if (last != null) snapshots.put(last.iteration(), last);
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
