package nst.engine;

import nst.engine.loss.LayerWeight;
import nst.engine.network.Pooling;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;

import nst.kernels.Backend;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Bytes a transfer will hold at one image size, before any of it is allocated: the plan's activations and
 * gradients (laid out exactly as {@link VggNetwork.Plan} does), the objective's targets and scratch, the
 * weights (host, backend and the SIMD backend's cached transforms), and the optimiser (L-BFGS keeps 2·min(history, iterations)·3·H·W floats of history). Leaves out the JVM's own
 * overhead and the decoded input images at their original size; accelerator memory is not modelled.
 */
public record MemoryEstimate(int width, int height, long activations, long gradients, long targets,
                             long weights, long optimizer, long images) {
    /** Whether the SIMD backend uses F(4×4) on wide layers (its default; -Dnst.simd.wino4=false turns it off). */
    private static final boolean WINOGRAD4 = !"false".equals(System.getProperty("nst.simd.wino4", "true").trim());


    public long total() { return activations + gradients + targets + weights + optimizer + images; }

    /** One line: the total and its parts in MiB. */
    public String describe() {
        return String.format(Locale.ROOT, "about %s at %dx%d (activations %s, gradients %s, loss targets %s, weights %s, optimiser %s, images %s)",
                mib(total()), width, height, mib(activations), mib(gradients), mib(targets), mib(weights), mib(optimizer), mib(images));
    }

    public static String mib(long bytes) { return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0); }

    /**
     * The estimate for optimising an H × W image (a whole image or one tile) with these options.
     * {@code styleLongest}: longest side of the style images as the transfer resizes them;
     * {@code extraImagePixels}: pixels of full-size image arrays kept besides the optimised one (tiling).
     */
    public static MemoryEstimate of(StyleOptions o, VggSpec spec, int width, int height, int styleLongest, long extraImagePixels) {
        Set<Integer> taps = new TreeSet<>();
        int deepest = 0;
        List<LayerWeight> styleLayers = o.styles().isEmpty() ? List.of() : o.styleLayers();
        for (LayerWeight lw : o.contentLayers()) { int i = spec.indexOf(lw.layer()); taps.add(i); deepest = Math.max(deepest, i); }
        for (LayerWeight lw : styleLayers) { int i = spec.indexOf(lw.layer()); taps.add(i); deepest = Math.max(deepest, i); }
        long[] plan = planFloats(spec, height, width, deepest, taps, o.pooling());
        // the largest style image's streaming plan exists next to the content plan while the targets are
        // computed; it borrows the content plan's gradient buffers as scratch when they are large enough
        Set<Integer> styleTaps = new TreeSet<>();
        int deepestStyle = 0;
        for (LayerWeight lw : styleLayers) { int i = spec.indexOf(lw.layer()); styleTaps.add(i); deepestStyle = Math.max(deepestStyle, i); }
        long stylePlan = styleLayers.isEmpty() ? 0
                : streamingPlanFloats(spec, styleLongest, styleLongest, deepestStyle, (plan[1] - 3L * height * width) / 2);
        int regions = o.controls().masks().isEmpty() ? 1 : o.controls().masks().size();
        long targets = 0, maxLayer = 0;
        int[] shape = new int[3];
        for (LayerWeight lw : o.contentLayers()) {
            shape(spec, height, width, spec.indexOf(lw.layer()), shape);
            targets += (long) shape[0] * shape[1] * shape[2];
            maxLayer = Math.max(maxLayer, (long) shape[0] * shape[1] * shape[2]);
        }
        for (LayerWeight lw : styleLayers) {
            shape(spec, height, width, spec.indexOf(lw.layer()), shape);
            targets += 3L * regions * shape[0] * shape[0];
            maxLayer = Math.max(maxLayer, (long) shape[0] * shape[1] * shape[2]);
        }
        if (regions > 1) targets += 6 * maxLayer;                      // masked scratch: 4 host + 2 device
        if (o.controls().normalizeGradients()) targets += maxLayer;
        long n = 3L * width * height;
        targets += 2 * n;                                              // netInput, dNetInput
        long params = 0, cache = 0;
        for (int i = 0; i <= deepest; i++) {
            VggSpec.Layer l = spec.layers().get(i);
            if (l.kind() != VggSpec.Kind.CONV) continue;
            long w = (long) l.inChannels() * l.outChannels() * 9;
            params += w + l.outChannels();
            // the SIMD backend caches each conv's weights transformed, forward and backward (KERNELS.md, "Weight
            // cache rule"): Winograd F(4×4,3×3) 36/9 of the weights per direction where both channel counts are
            // ≥ 128 (unless -Dnst.simd.wino4=false), F(2×2,3×3) 16/9 where both are ≥ 64, else packed for GEMM
            // (about 1×). Counted for every heap backend: an upper bound for scalar.
            int narrow = Math.min(l.inChannels(), l.outChannels());
            cache += 2 * (narrow >= 128 && WINOGRAD4 ? w * 4 : narrow >= 64 ? w * 16 / 9 : w);
        }
        // L-BFGS adds at most one (s, y) pair per iteration and allocates them as the history fills
        long pairs = Math.min(o.history(), Math.max(0, o.iterations()));
        long optimizer = o.optimizerKind() == nst.engine.optim.OptimizerKind.ADAM ? 3 * n : (8 + 2L * pairs) * n;
        long images = 4 * n + 3L * extraImagePixels;                   // content, x, gradient, last good; full-size arrays when tiled
        if (!o.styles().isEmpty()) images += 3L * styleLongest * styleLongest * o.styles().size();
        return new MemoryEstimate(width, height, 4 * (plan[0] + stylePlan), 4 * plan[1], 4 * targets,
                4 * (2 * params + cache), 4 * optimizer, 4 * images);
    }

    /**
     * {activation floats (the input, the kept layers' outputs, the packed ReLU masks and max-pool indices), gradient
     * floats (two ping-pong buffers, which also serve as the forward pass's scratch, and d input)}.
     */
    static long[] planFloats(VggSpec spec, int height, int width, int last, Set<Integer> taps, Pooling pooling) {
        long[] size = layerSizes(spec, height, width, last);
        long acts = 3L * height * width, max = 3L * height * width;
        for (int i = 0; i <= last; i++) {
            max = Math.max(max, size[i]);
            if (!VggNetwork.inPlace(spec, i, taps) && VggNetwork.kept(spec, i, last, taps)) acts += size[i];
            if (VggNetwork.masked(spec, i, taps)) acts += Backend.maskLength((int) size[i]);
            if (spec.layers().get(i).kind() == VggSpec.Kind.POOL && pooling == Pooling.MAX) acts += (size[i] + 7) / 8;   // 2×2: 8 windows a word
        }
        return new long[] {acts, 2 * max + 3L * height * width};
    }

    /** C·H·W of each layer's output, layers 0..last, as the plan lays them out (pooling floors). */
    private static long[] layerSizes(VggSpec spec, int height, int width, int last) {
        long[] size = new long[last + 1];
        int ch = 3, hh = height, ww = width;
        for (int i = 0; i <= last; i++) {
            VggSpec.Layer l = spec.layers().get(i);
            if (l.kind() == VggSpec.Kind.CONV) ch = l.outChannels();
            if (l.kind() == VggSpec.Kind.POOL) { hh /= 2; ww /= 2; }
            size[i] = (long) ch * hh * ww;
        }
        return size;
    }

    /**
     * Floats a forward-only plan owns ({@link VggNetwork#forwardPlan}): the input, the tapped layers (a conv
     * followed by a tapped ReLU keeps its output for it), and two scratch buffers unless the donor's gradient
     * buffers ({@code donorMax} floats each) are large enough.
     */
    static long forwardPlanFloats(VggSpec spec, int height, int width, int last, Set<Integer> taps, long donorMax) {
        long[] size = layerSizes(spec, height, width, last);
        long owned = 3L * height * width, max = 3L * height * width;
        boolean scratch = false;
        for (int i = 0; i <= last; i++) {
            max = Math.max(max, size[i]);
            if (VggNetwork.inPlace(spec, i, taps)) continue;
            if (VggNetwork.kept(spec, i, last, taps)) owned += size[i];
            else scratch = true;
        }
        return owned + (scratch && donorMax < max ? 2 * max : 0);
    }

    /**
     * Floats a streaming plan owns ({@link VggNetwork#streamingPlan}): the input, and two scratch buffers unless
     * the donor's gradient buffers ({@code donorMax} floats each) are large enough.
     */
    static long streamingPlanFloats(VggSpec spec, int height, int width, int last, long donorMax) {
        long max = 3L * height * width;
        for (long n : layerSizes(spec, height, width, last)) max = Math.max(max, n);
        return 3L * height * width + (donorMax < max ? 2 * max : 0);
    }

    private static void shape(VggSpec spec, int height, int width, int layer, int[] out) {
        int ch = 3, hh = height, ww = width;
        for (int i = 0; i <= layer; i++) {
            VggSpec.Layer l = spec.layers().get(i);
            if (l.kind() == VggSpec.Kind.CONV) ch = l.outChannels();
            if (l.kind() == VggSpec.Kind.POOL) { hh /= 2; ww /= 2; }
        }
        out[0] = ch; out[1] = hh; out[2] = ww;
    }

    /**
     * The estimate for ResNet-50 at stem width {@code base} ({@link nst.engine.network.ResNet50#planFloats}): its plan
     * keeps every activation; a style image's forward plan is a full plan too; with the softmax transform each loss
     * layer holds two more device buffers and three host arrays of its size.
     */
    public static MemoryEstimate ofResNet(StyleOptions o, int base, int width, int height, int styleLongest) {
        List<LayerWeight> styleLayers = o.styles().isEmpty() ? List.of() : o.styleLayers();
        List<String> names = nst.engine.network.ResNet50.layerNames();
        int deepest = 0, deepestStyle = 0;
        for (LayerWeight lw : o.contentLayers()) deepest = Math.max(deepest, names.indexOf(lw.layer()));
        for (LayerWeight lw : styleLayers) deepestStyle = Math.max(deepestStyle, names.indexOf(lw.layer()));
        deepest = Math.max(deepest, deepestStyle);
        long plan = nst.engine.network.ResNet50.planFloats(base, height, width, deepest);
        long stylePlan = styleLayers.isEmpty() ? 0 : nst.engine.network.ResNet50.planFloats(base, styleLongest, styleLongest, deepestStyle);
        long n = 3L * width * height, targets = 2 * n, params = 0;
        int[] out = new int[3];
        boolean softmax = o.featureTransform() == nst.engine.loss.FeatureTransform.SOFTMAX;
        for (LayerWeight lw : o.contentLayers()) {
            long size = resNetLayerSize(base, height, width, names.indexOf(lw.layer()), out);
            targets += size * (softmax ? 6 : 1);
        }
        for (LayerWeight lw : styleLayers) {
            long size = resNetLayerSize(base, height, width, names.indexOf(lw.layer()), out);
            targets += 3L * out[0] * out[0] + (softmax ? 5 * size : 0);
        }
        for (var e : nst.engine.network.ResNet50.weightShapes(base).entrySet()) params += (long) e.getValue()[0] * e.getValue()[1] * e.getValue()[2] * e.getValue()[3] + e.getValue()[0];
        long optimizer = o.optimizerKind() == nst.engine.optim.OptimizerKind.ADAM ? 3 * n : (8 + 2L * o.history()) * n;
        long images = 4 * n;
        if (!o.styles().isEmpty()) images += 3L * styleLongest * styleLongest * o.styles().size();
        return new MemoryEstimate(width, height, 4 * (plan + stylePlan), 0, 4 * targets, 4 * 2 * params, 4 * optimizer, 4 * images);
    }

    /** C·H·W of ResNet-50 layer {@code i} at (H, W); its shape into out. */
    private static long resNetLayerSize(int base, int height, int width, int i, int[] out) {
        int h = (height - 1) / 2 + 1, w = (width - 1) / 2 + 1, c = base;
        if (i >= 1) { h = (h - 1) / 2 + 1; w = (w - 1) / 2 + 1; }
        int[] blocks = {3, 4, 6, 3};
        int layer = 2;
        for (int s = 0; s < 4; s++)
            for (int b = 0; b < blocks[s]; b++, layer++) {
                if (layer > i) break;
                c = (base << s) * 4;
                if (b == 0 && s > 0) { h = (h - 1) / 2 + 1; w = (w - 1) / 2 + 1; }
            }
        out[0] = c; out[1] = h; out[2] = w;
        return (long) c * h * w;
    }

    /** An estimate at one size: (width, height, style longest side) → bytes. */
    @FunctionalInterface
    public interface Estimator { MemoryEstimate of(int width, int height, int styleLongest); }

    /** The bytes the run may use: the option, else the JVM's maximum heap. */
    public static long budget(StyleOptions o) {
        return o.controls().memoryBudget() > 0 ? o.controls().memoryBudget() : Runtime.getRuntime().maxMemory();
    }

    /**
     * Throws when a direct run at {@code width × height} would not fit the budget; the error gives the
     * estimate, the largest longest side that fits at this aspect ratio, and the ways out.
     */
    public static void check(StyleOptions o, VggSpec spec, int width, int height, int styleLongest) {
        check(o, (w, h, s) -> of(o, spec, w, h, s, 0), width, height, styleLongest);
    }

    /** As {@link #check(StyleOptions, VggSpec, int, int, int)} for any network's estimate. */
    public static void check(StyleOptions o, Estimator est, int width, int height, int styleLongest) {
        long budget = budget(o);
        MemoryEstimate e = est.of(width, height, styleLongest);
        if (e.total() <= budget) return;
        int longest = Math.max(width, height), lo = 16, hi = longest;
        while (lo < hi) {                                              // largest longest side that fits
            int mid = (lo + hi + 1) / 2;
            int w = Math.max(1, (int) Math.round((double) width * mid / longest)), h = Math.max(1, (int) Math.round((double) height * mid / longest));
            int s = Math.max(16, (int) Math.round((double) styleLongest * mid / longest));
            if (est.of(w, h, s).total() <= budget) lo = mid; else hi = mid - 1;
        }
        String fits = est.of(Math.max(1, width * lo / longest), Math.max(1, height * lo / longest),
                Math.max(16, styleLongest * lo / longest)).total() <= budget ? "about " + lo + " px" : "none (even 16 px does not fit)";
        throw new NstException("not enough memory: the transfer needs " + e.describe() + ", but the budget is " + mib(budget)
                + (o.controls().memoryBudget() > 0 ? " (--memory-budget)" : " (the JVM's maximum heap)")
                + "; the largest size that fits is " + fits + ". Use --tile 512 (tiled refinement), a smaller --size,"
                + " a smaller --history, or a larger heap (NST_JAVA_OPTS=-Xmx16g)");
    }
}
