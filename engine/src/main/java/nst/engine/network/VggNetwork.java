package nst.engine.network;

import nst.engine.NstException;
import nst.engine.WeightsException;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.PoolShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A VGG network on a backend: conv weights uploaded once, then {@link Plan}s per image size that own
 * every activation and gradient buffer, so an optimisation allocates nothing per evaluation.
 * Leaves out weight gradients (style transfer only needs d loss / d image) and batching.
 */
public final class VggNetwork implements Backbone {
    private final Backend backend;
    private final VggSpec spec;
    /** Host copies of the weights; null after {@link #releaseHostWeights}. */
    private VggWeights weights;
    private final Preprocess preprocess;
    private final String source;
    private final Pooling pooling;
    /** Device copies of each conv's weight (O, I, 3, 3) and bias (O), by layer index; null for other layers. */
    private final Buffer[] weight, bias;

    public VggNetwork(Backend backend, VggWeights weights, Pooling pooling) {
        this.backend = backend;
        this.spec = weights.spec();
        this.weights = weights;
        this.preprocess = weights.preprocess();
        this.source = weights.source();
        this.pooling = pooling;
        int n = spec.layers().size();
        weight = new Buffer[n];
        bias = new Buffer[n];
    }

    public VggSpec spec() { return spec; }
    @Override public String arch() { return spec.arch(); }
    @Override public java.util.List<String> layerNames() { return spec.layers().stream().map(VggSpec.Layer::name).toList(); }
    @Override public int indexOf(String layer) { return spec.indexOf(layer); }
    @Override public Backbone.Plan forwardPlan(int height, int width, int last, Set<Integer> taps, Backbone.Plan donor) {
        return forwardPlan(height, width, last, taps, (Plan) donor);
    }
    public Backend backend() { return backend; }
    public Pooling pooling() { return pooling; }
    public Preprocess preprocess() { return preprocess; }

    /**
     * Uploads layers 0..last and forgets the host copies of the weights, so a caller that owns them can let
     * them be collected (VGG19's host arrays are 80 MB). Plans deeper than {@code last} then fail.
     */
    public void releaseHostWeights(int last) {
        upload(last);
        uploadedUpTo = Math.max(uploadedUpTo, last);
        weights = null;
    }

    private int uploadedUpTo = -1;

    /** Uploads the conv parameters of layers 0..last that are not on the backend yet. */
    private void upload(int last) {
        if (weights == null) {
            if (last <= uploadedUpTo) return;
            throw new IllegalStateException("host weights were released after uploading up to "
                    + spec.layers().get(uploadedUpTo).name() + "; cannot plan up to " + spec.layers().get(last).name());
        }
        if (!weights.covers(last))
            throw new WeightsException("weights (" + source + ") do not include every layer up to " + spec.layers().get(last).name());
        for (int i = 0; i <= last; i++) {
            VggSpec.Layer l = spec.layers().get(i);
            if (l.kind() != VggSpec.Kind.CONV || weight[i] != null) continue;
            VggWeights.Conv c = weights.conv(l.name());
            weight[i] = backend.allocate(c.weight().length);
            backend.upload(weight[i], c.weight());
            bias[i] = backend.allocate(c.bias().length);
            backend.upload(bias[i], c.bias());
        }
    }

    /**
     * Buffers for one image size, cut after layer {@code last}. Layers in {@code taps} keep their own
     * output buffer (a ReLU after an untapped conv runs in place on the conv's output). Every other layer
     * writes into the two gradient buffers, which are idle during forward: the backward pass to the image
     * needs no conv input, only a packed mask for each untapped ReLU ({@link Backend#reluForwardWithMask}, 1/16
     * of its output) and a packed argmax index for each max pooling ({@link Backend#maxPoolForwardWithIndex});
     * a tapped ReLU's kept output is its own mask.
     */
    public Plan plan(int height, int width, int last, Set<Integer> taps) {
        upload(last);
        return new Plan(height, width, last, taps, false, false, null);
    }

    /**
     * A plan that can only run {@link Plan#forward()}: layers in {@code taps} keep their own output buffer,
     * every other layer writes into one of two shared scratch buffers, and there are no gradient buffers.
     * For style targets, which need a forward pass at the style image's size: VGG19 to relu5_1 at
     * 512 × 512 takes 0.26 GB this way instead of 0.61 GB.
     */
    public Plan forwardPlan(int height, int width, int last, Set<Integer> taps) {
        return forwardPlan(height, width, last, taps, null);
    }

    /**
     * As {@link #forwardPlan(int, int, int, Set)}, borrowing {@code donor}'s gradient buffers as the two
     * scratch buffers when they are large enough (they are idle between backward passes). The borrowed
     * buffers stay the donor's: closing this plan does not release them, and the donor's next backward
     * pass overwrites them. Used for the style targets, computed while the content plan already exists.
     */
    public Plan forwardPlan(int height, int width, int last, Set<Integer> taps, Plan donor) {
        upload(last);
        return new Plan(height, width, last, taps, true, false, donor);
    }

    /**
     * A forward-only plan that keeps no layer's output: every layer runs in the two scratch buffers (the donor's
     * gradient buffers when large enough, as {@link #forwardPlan(int, int, int, Set, Plan)}), and
     * {@link Plan#forward(TapConsumer)} hands each tapped layer's output to the caller as soon as it is computed,
     * before the next layer overwrites it. For the style targets, whose Grams need each tap only once: the
     * plan owns just its input.
     */
    public Plan streamingPlan(int height, int width, int last, Set<Integer> taps, Plan donor) {
        upload(last);
        return new Plan(height, width, last, taps, true, true, donor);
    }

    /** Receives a tapped layer's output during {@link Plan#forward(TapConsumer)}; the buffer is valid only during the call. */
    @FunctionalInterface
    public interface TapConsumer {
        void accept(int layer, Buffer output);
    }

    /** Whether layer i is a ReLU that runs in place on its input's buffer: it follows an untapped layer. */
    public static boolean inPlace(VggSpec spec, int i, Set<Integer> taps) {
        return spec.layers().get(i).kind() == VggSpec.Kind.RELU && i > 0 && !taps.contains(i - 1);
    }

    /** Whether a plan keeps layer i's output: tapped, or followed by a tapped ReLU that runs in place on it. */
    public static boolean kept(VggSpec spec, int i, int last, Set<Integer> taps) {
        return taps.contains(i) || (i < last && taps.contains(i + 1) && spec.layers().get(i + 1).kind() == VggSpec.Kind.RELU);
    }

    /** Whether a plan for backward keeps a packed mask for layer i: a ReLU whose output is not kept (untapped). */
    public static boolean masked(VggSpec spec, int i, Set<Integer> taps) {
        return spec.layers().get(i).kind() == VggSpec.Kind.RELU && !taps.contains(i);
    }

    /** Receives d loss / d (output of layer l) during backward: adds into {@code grad}. */
    @FunctionalInterface
    public interface GradientSource {
        void addGradient(int layer, Buffer grad);
    }

    /** Activation and gradient buffers for one (H, W), planned once. */
    public final class Plan implements Backbone.Plan {
        public final int height, width, last;
        /** The preprocessed image (3, H, W). */
        public final Buffer input;
        /**
         * act[l]: output of layer l, (C_l, H_l, W_l); a ReLU after an untapped conv shares the conv's buffer. Only
         * kept layers ({@link #kept}) own theirs: the others share two scratch buffers, valid during forward only.
         */
        private final Buffer[] act;
        private final boolean[] keeps;
        /** Packed ReLU masks (untapped ReLUs) and max-pool argmax indices, by layer; null elsewhere and in forward-only plans. */
        private final Buffer[] mask, index;
        /** Per layer output shape. */
        private final int[] c, h, w;
        /** Ping-pong gradient buffers, each as large as the largest activation. */
        private final Buffer gradA, gradB;
        /** d loss / d input (3, H, W), written by the first conv's backward. */
        private final Buffer gradInput;
        private final PlanBuffers buffers;

        private final boolean forwardOnly;
        private final boolean[] tapped;

        private Plan(int height, int width, int last, Set<Integer> taps, boolean forwardOnly, boolean streaming, Plan donor) {
            buffers = new PlanBuffers(backend);
            this.forwardOnly = forwardOnly;
            if (last < 0 || last >= spec.layers().size()) throw new IllegalArgumentException("layer index " + last);
            this.height = height;
            this.width = width;
            this.last = last;
            c = new int[last + 1];
            h = new int[last + 1];
            w = new int[last + 1];
            int ch = 3, hh = height, ww = width, max = 3 * height * width;
            for (int i = 0; i <= last; i++) {
                VggSpec.Layer l = spec.layers().get(i);
                if (l.kind() == VggSpec.Kind.CONV) ch = l.outChannels();
                if (l.kind() == VggSpec.Kind.POOL) {
                    if (hh < 2 || ww < 2)
                        throw new NstException("image " + width + "x" + height + " is too small for layer " + l.name()
                                + ": it reaches " + ww + "x" + hh + " before that pooling layer; use a larger size or shallower layers");
                    hh /= 2;
                    ww /= 2;
                }
                c[i] = ch;
                h[i] = hh;
                w[i] = ww;
                max = Math.max(max, ch * hh * ww);
            }
            input = own(3 * height * width);
            act = new Buffer[last + 1];
            keeps = new boolean[last + 1];
            mask = new Buffer[last + 1];
            index = new Buffer[last + 1];
            gradA = forwardOnly ? null : own(max);
            gradB = forwardOnly ? null : own(max);
            Buffer[] scratch = new Buffer[2];
            if (!forwardOnly) {                         // idle until backward, which needs none of their contents
                scratch[0] = gradA;
                scratch[1] = gradB;
            } else if (donor != null && donor.gradA != null && donor.gradA.length() >= max && donor.gradB.length() >= max) {
                scratch[0] = donor.gradA;               // not in `buffers`: the donor releases them
                scratch[1] = donor.gradB;
            }
            for (int i = 0; i <= last; i++) {
                if (inPlace(spec, i, taps)) {
                    act[i] = act[i - 1];
                    keeps[i] = keeps[i - 1];
                } else if (!streaming && kept(spec, i, last, taps)) {
                    act[i] = own(size(i));
                    keeps[i] = true;
                } else {                                // the scratch buffer this layer's input is not in
                    int k = i > 0 && act[i - 1] == scratch[0] ? 1 : 0;
                    if (scratch[k] == null) scratch[k] = own(max);
                    act[i] = scratch[k];
                }
                if (forwardOnly) continue;
                if (masked(spec, i, taps)) mask[i] = own(Backend.maskLength(size(i)));
                if (spec.layers().get(i).kind() == VggSpec.Kind.POOL && pooling == Pooling.MAX) index[i] = own(poolShape(i).indexLength());
            }
            gradInput = forwardOnly ? null : own(3 * height * width);
            tapped = new boolean[last + 1];
            for (int t : taps) if (t <= last) tapped[t] = true;
        }

        private Buffer own(int n) {
            return buffers.allocate(n);
        }

        @Override public Buffer input() { return input; }
        public int channels(int layer) { return c[layer]; }
        public int height(int layer) { return h[layer]; }
        public int width(int layer) { return w[layer]; }
        public int size(int layer) { return c[layer] * h[layer] * w[layer]; }
        /** Whether this plan keeps layer {@code layer}'s output after forward (tapped, or a conv under a tapped ReLU). */
        public boolean keeps(int layer) { return keeps[layer]; }

        /** Output of layer {@code layer} after {@link #forward()}: kept layers only (tapped, or a conv under a tapped ReLU). */
        public Buffer activation(int layer) {
            if (!keeps[layer])
                throw new IllegalStateException("layer " + spec.layers().get(layer).name() + " is not kept by this plan (only tapped layers are)");
            return act[layer];
        }
        /** The same output with its shape (C_l, H_l, W_l). */
        public Tensor tensor(int layer) { return new Tensor(activation(layer), c[layer], h[layer], w[layer]); }

        private int inC(int i) { return i == 0 ? 3 : c[i - 1]; }
        private int inH(int i) { return i == 0 ? height : h[i - 1]; }
        private int inW(int i) { return i == 0 ? width : w[i - 1]; }
        private Buffer in(int i) { return i == 0 ? input : act[i - 1]; }

        private ConvShape convShape(int i) { return ConvShape.vgg3x3(inC(i), c[i], inH(i), inW(i)); }
        private PoolShape poolShape(int i) { return new PoolShape(inC(i), inH(i), inW(i), 2, 2); }

        /** Runs layers 0..last on {@link #input}. */
        public void forward() {
            forward(null);
        }

        /** Runs layers 0..last on {@link #input}, handing each tapped layer's output to {@code taps} (may be null) once computed. */
        public void forward(TapConsumer taps) {
            for (int i = 0; i <= last; i++) {
                switch (spec.layers().get(i).kind()) {
                    case CONV -> backend.conv2dForward(act[i], in(i), weight[i], bias[i], convShape(i));
                    case RELU -> {
                        if (mask[i] != null) backend.reluForwardWithMask(act[i], mask[i], in(i), size(i));
                        else backend.reluForward(act[i], in(i), size(i));
                    }
                    case POOL -> {
                        if (index[i] != null) backend.maxPoolForwardWithIndex(act[i], index[i], in(i), poolShape(i));
                        else if (pooling == Pooling.MAX) backend.maxPoolForward(act[i], in(i), poolShape(i));
                        else backend.avgPoolForward(act[i], in(i), poolShape(i));
                    }
                }
                if (taps != null && tapped[i]) taps.accept(i, act[i]);
            }
        }

        /**
         * Backpropagates from layer {@code last} to the input. {@code source} adds each tapped layer's
         * loss gradient when backward reaches that layer's output. Returns d loss / d input (3, H, W),
         * valid until the next call.
         */
        public Buffer backward(GradientSource source) {
            if (forwardOnly) throw new IllegalStateException("a forward-only plan has no gradient buffers");
            Buffer cur = gradA, prev = gradB;
            backend.zero(cur, size(last));                  // the gradient buffers are as large as the largest layer:
            source.addGradient(last, cur);                  // clear only what this layer's backward accumulates into
            for (int i = last; i >= 0; i--) {
                if (i == 0) prev = gradInput;
                backend.zero(prev, i == 0 ? 3 * height * width : size(i - 1));
                switch (spec.layers().get(i).kind()) {
                    case CONV -> backend.conv2dBackwardData(prev, cur, weight[i], convShape(i));
                    case RELU -> {
                        if (mask[i] != null) backend.reluBackwardFromMask(prev, cur, mask[i], size(i));
                        else backend.reluBackward(prev, cur, act[i], size(i));     // a tapped ReLU: its kept output
                    }
                    case POOL -> {
                        if (pooling == Pooling.MAX) backend.maxPoolBackwardFromIndex(prev, cur, index[i], poolShape(i));
                        else backend.avgPoolBackward(prev, cur, poolShape(i));
                    }
                }
                if (i > 0) source.addGradient(i - 1, prev);
                Buffer t = cur;
                cur = prev;
                prev = t;
            }
            return gradInput;
        }

        /** Bytes held by this plan's buffers (4 per float). */
        public long bytes() {
            return buffers.bytes();
        }

        @Override
        public void close() {
            buffers.close();
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < weight.length; i++) {
            if (weight[i] != null) weight[i].close();
            if (bias[i] != null) bias[i].close();
            weight[i] = bias[i] = null;
        }
    }
}
