package nst.engine.network;

import nst.engine.WeightsException;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.PoolShape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchvision's ResNet-50 trunk (v1.5: a bottleneck's stride sits on its 3×3 conv) on a backend, with batch
 * norm already folded into each conv's weight and bias (inference statistics), so the network is convs with
 * bias, ReLUs, one padded max pool and residual adds. Forward and backward to the image, cut after the deepest
 * layer a loss needs; like {@link VggNetwork}, a {@link Plan} per image size owns every buffer.
 *
 * <p>Tap points, after which a loss may read the activation (torchvision's module names):
 * {@code relu} (conv1 7×7/2 + bn1 + ReLU), {@code maxpool} (3×3/2, padding 1), and {@code layerS.B} for the
 * output of bottleneck B of stage S after its final ReLU: {@code layer1.0}…{@code layer1.2},
 * {@code layer2.0}…{@code layer2.3}, {@code layer3.0}…{@code layer3.5}, {@code layer4.0}…{@code layer4.2}.
 *
 * <p>Parameter names (the folded form the converter writes): {@code conv1}, {@code layerS.B.conv1..3} and
 * {@code layerS.B.downsample} (torchvision's {@code downsample.0} conv folded with {@code downsample.1}).
 * {@code base} is the stem width: 64 for ResNet-50, smaller for the narrow test variant (all widths scale).
 *
 * <p>Leaves out the classifier (avgpool, fc), weight gradients, batching, and the buffer sharing of VGG's
 * forward-only plans: every plan keeps every activation.
 */
public final class ResNet50 implements AutoCloseable {

    /** Bottlenecks per stage. */
    static final int[] BLOCKS = {3, 4, 6, 3};
    /** A bottleneck's output has 4× its width. */
    static final int EXPANSION = 4;

    /** One folded conv's parameters: weight (O, I, k, k), bias (O). */
    public record Conv(float[] weight, float[] bias) {}

    /** A conv of the layout: its parameter name, channels, square kernel, stride and padding. */
    record ConvSpec(String name, int inC, int outC, int k, int stride, int pad) {
        ConvShape shape(int h, int w) { return new ConvShape(inC, h, w, outC, k, k, stride, stride, pad, pad); }
        int weightSize() { return outC * inC * k * k; }
    }

    /** One bottleneck: 1×1 → 3×3/stride → 1×1, plus the shortcut (a 1×1/stride projection, or the identity when null). */
    record Block(String name, ConvSpec conv1, ConvSpec conv2, ConvSpec conv3, ConvSpec downsample) {}

    private static final int RELU = 0, MAXPOOL = 1, FIRST_BLOCK = 2;

    private final Backend backend;
    private final ConvSpec stem;
    private final List<Block> blocks = new ArrayList<>();
    /** Device weight and bias per conv name, for every conv the weights included. */
    private final Map<String, Buffer[]> params = new LinkedHashMap<>();

    /**
     * Checks every conv in {@code weights} against the layout for stem width {@code base} and uploads it.
     * Weights may stop early (a network cut before layer4 needs no layer4 parameters); {@link #plan} checks
     * that everything up to its cut is there.
     */
    public ResNet50(Backend backend, int base, Map<String, Conv> weights) {
        if (base <= 0 || base > 4096) throw new IllegalArgumentException("ResNet-50 stem width must be in 1..4096, got " + base);
        this.backend = backend;
        stem = new ConvSpec("conv1", 3, base, 7, 2, 3);
        int inplanes = base;
        for (int s = 0; s < BLOCKS.length; s++) {
            int planes = base << s, stride = s == 0 ? 1 : 2;
            for (int b = 0; b < BLOCKS[s]; b++) {
                String name = "layer" + (s + 1) + "." + b;
                int st = b == 0 ? stride : 1;
                ConvSpec down = b == 0 ? new ConvSpec(name + ".downsample", inplanes, planes * EXPANSION, 1, st, 0) : null;
                blocks.add(new Block(name, new ConvSpec(name + ".conv1", inplanes, planes, 1, 1, 0),
                        new ConvSpec(name + ".conv2", planes, planes, 3, st, 1),
                        new ConvSpec(name + ".conv3", planes, planes * EXPANSION, 1, 1, 0), down));
                inplanes = planes * EXPANSION;
            }
        }
        Map<String, ConvSpec> known = new LinkedHashMap<>();
        for (ConvSpec c : convsUpTo(layerCount() - 1)) known.put(c.name(), c);
        for (var e : weights.entrySet()) {
            ConvSpec c = known.get(e.getKey());
            if (c == null) throw new WeightsException("ResNet-50 has no conv named '" + e.getKey() + "'");
            Conv p = e.getValue();
            if (p.weight().length != c.weightSize() || p.bias().length != c.outC())
                throw new WeightsException("ResNet-50 conv " + c.name() + " (stem width " + base + ") needs weight " + c.outC() + "x"
                        + c.inC() + "x" + c.k() + "x" + c.k() + " and bias " + c.outC() + ", got " + p.weight().length
                        + " and " + p.bias().length + " floats");
        }
        for (var e : weights.entrySet()) {
            Buffer w = backend.allocate(e.getValue().weight().length), b = backend.allocate(e.getValue().bias().length);
            backend.upload(w, e.getValue().weight());
            backend.upload(b, e.getValue().bias());
            params.put(e.getKey(), new Buffer[] {w, b});
        }
    }

    /**
     * Every conv's weight shape (O, I, k, k) for stem width {@code base} (64 for ResNet-50), in network order:
     * conv1, then per bottleneck conv1, conv2, conv3 and (first block of a stage) downsample. A conv's bias has O values.
     */
    public static Map<String, int[]> weightShapes(int base) {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("conv1", new int[] {base, 3, 7, 7});
        int inplanes = base;
        for (int s = 0; s < BLOCKS.length; s++) {
            int planes = base << s;
            for (int b = 0; b < BLOCKS[s]; b++) {
                String name = "layer" + (s + 1) + "." + b;
                m.put(name + ".conv1", new int[] {planes, inplanes, 1, 1});
                m.put(name + ".conv2", new int[] {planes, planes, 3, 3});
                m.put(name + ".conv3", new int[] {planes * EXPANSION, planes, 1, 1});
                if (b == 0) m.put(name + ".downsample", new int[] {planes * EXPANSION, inplanes, 1, 1});
                inplanes = planes * EXPANSION;
            }
        }
        return m;
    }

    /** The convs layers 0..last need, by name (a cut network needs only these weights). */
    public static List<String> convsNeeded(int last) {
        List<String> out = new ArrayList<>(List.of("conv1"));
        for (String n : weightShapes(1).keySet()) {
            if (n.equals("conv1")) continue;
            String block = n.substring(0, n.lastIndexOf('.'));
            if (layerIndex(block) <= last) out.add(n);
        }
        return out;
    }

    /**
     * Floats a {@link Plan} at (H, W) cut after {@code last} allocates, without allocating it (the memory check
     * before a run). Mirrors the plan's constructor.
     */
    public static long planFloats(int base, int height, int width, int last) {
        int ch = base, h = (height + 6 - 7) / 2 + 1, w = (width + 6 - 7) / 2 + 1;
        long total = 3L * height * width * 2, max = 3L * height * width, maxShortcut = 0;
        total += (long) ch * h * w;
        max = Math.max(max, (long) ch * h * w);
        if (last >= MAXPOOL) {
            h = (h + 2 - 3) / 2 + 1;
            w = (w + 2 - 3) / 2 + 1;
            total += (long) ch * h * w;
        }
        int i = FIRST_BLOCK;
        for (int s = 0; s < BLOCKS.length && i <= last; s++) {
            int planes = base << s;
            for (int b = 0; b < BLOCKS[s] && i <= last; b++, i++) {
                int st = b == 0 && s > 0 ? 2 : 1;
                int h2 = (h + 2 - 3) / st + 1, w2 = (w + 2 - 3) / st + 1;
                long in1 = (long) planes * h * w, in2 = (long) planes * h2 * w2, out = (long) planes * EXPANSION * h2 * w2;
                total += in1 + in2 + out;
                max = Math.max(max, Math.max(out, Math.max(in1, in2)));
                if (b == 0) maxShortcut = Math.max(maxShortcut, out);
                h = h2;
                w = w2;
            }
        }
        return total + maxShortcut + 5 * max;
    }

    /** The tap names in network order: relu, maxpool, layer1.0 … layer4.2. */
    public static List<String> layerNames() {
        List<String> names = new ArrayList<>(List.of("relu", "maxpool"));
        for (int s = 0; s < BLOCKS.length; s++)
            for (int b = 0; b < BLOCKS[s]; b++) names.add("layer" + (s + 1) + "." + b);
        return Collections.unmodifiableList(names);
    }

    /** The index of a tap name in {@link #layerNames()}; an unknown name is an error that lists the known ones. */
    public static int layerIndex(String name) {
        int i = layerNames().indexOf(name);
        if (i < 0) throw new IllegalArgumentException("ResNet-50 has no layer '" + name + "'; layers: " + String.join(", ", layerNames()));
        return i;
    }

    public static int layerCount() { return FIRST_BLOCK + blocks(); }

    private static int blocks() {
        int n = 0;
        for (int b : BLOCKS) n += b;
        return n;
    }

    /** The convs that layers 0..last run, in order. */
    private List<ConvSpec> convsUpTo(int last) {
        List<ConvSpec> out = new ArrayList<>(List.of(stem));
        for (int i = FIRST_BLOCK; i <= last; i++) {
            Block b = blocks.get(i - FIRST_BLOCK);
            out.add(b.conv1());
            out.add(b.conv2());
            out.add(b.conv3());
            if (b.downsample() != null) out.add(b.downsample());
        }
        return out;
    }

    public Backend backend() { return backend; }

    /** Buffers for one image size, cut after layer index {@code last} ({@link #layerIndex}). */
    public Plan plan(int height, int width, int last) {
        if (last < 0 || last >= layerCount()) throw new IllegalArgumentException("ResNet-50 layer index " + last + " outside 0.." + (layerCount() - 1));
        for (ConvSpec c : convsUpTo(last))
            if (!params.containsKey(c.name()))
                throw new WeightsException("ResNet-50 weights do not include " + c.name() + ", needed up to " + layerNames().get(last));
        return new Plan(height, width, last);
    }

    /** Activation and gradient buffers for one (H, W), planned once. */
    public final class Plan implements Backbone.Plan {
        public final int height, width, last;
        /** The preprocessed image (3, H, W). */
        public final Buffer input;
        /** act[l]: output of layer l; per block also its two inner ReLU outputs, kept for backward. */
        private final Buffer[] act, inner1, inner2;
        private final int[] c, h, w;
        /** The stem conv's and every block's conv shapes, fixed by the image size. */
        private final ConvShape stemShape;
        private final ConvShape[] shape1, shape2, shape3, shapeDown;
        private final PoolShape poolShape;
        /** A projection shortcut's output during forward. */
        private final Buffer shortcut;
        /** Ping-pong gradients of layer outputs, three scratch gradients inside a block, d loss / d input. */
        private final Buffer gradA, gradB, s1, s2, s3, gradInput;
        private final PlanBuffers buffers;

        private Plan(int height, int width, int last) {
            buffers = new PlanBuffers(backend);
            if (height <= 0 || width <= 0) throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
            this.height = height;
            this.width = width;
            this.last = last;
            int n = last + 1, nb = Math.max(0, last - FIRST_BLOCK + 1);
            c = new int[n];
            h = new int[n];
            w = new int[n];
            shape1 = new ConvShape[nb];
            shape2 = new ConvShape[nb];
            shape3 = new ConvShape[nb];
            shapeDown = new ConvShape[nb];
            stemShape = stem.shape(height, width);
            set(RELU, stem.outC(), stemShape.outH(), stemShape.outW());
            PoolShape pool = null;
            if (last >= MAXPOOL) {
                pool = new PoolShape(c[RELU], h[RELU], w[RELU], 3, 2, 1);
                set(MAXPOOL, c[RELU], pool.outH(), pool.outW());
            }
            poolShape = pool;
            long max = 3L * height * width, maxInner = 0, maxShortcut = 0;
            for (int i = FIRST_BLOCK; i <= last; i++) {
                Block b = blocks.get(i - FIRST_BLOCK);
                int j = i - FIRST_BLOCK, ih = h[i - 1], iw = w[i - 1];
                shape1[j] = b.conv1().shape(ih, iw);
                shape2[j] = b.conv2().shape(shape1[j].outH(), shape1[j].outW());
                shape3[j] = b.conv3().shape(shape2[j].outH(), shape2[j].outW());
                if (b.downsample() != null) {
                    shapeDown[j] = b.downsample().shape(ih, iw);
                    maxShortcut = Math.max(maxShortcut, shapeDown[j].outSize());
                }
                set(i, b.conv3().outC(), shape3[j].outH(), shape3[j].outW());
                maxInner = Math.max(maxInner, Math.max(shape1[j].outSize(), shape2[j].outSize()));
            }
            for (int i = 0; i <= last; i++) max = Math.max(max, (long) c[i] * h[i] * w[i]);
            max = Math.max(max, maxInner);
            if (max > Integer.MAX_VALUE / 2)
                throw new IllegalArgumentException("image " + width + "x" + height + " is too large for ResNet-50 buffers");
            input = own(3 * height * width);
            act = new Buffer[n];
            inner1 = new Buffer[nb];
            inner2 = new Buffer[nb];
            for (int i = 0; i <= last; i++) act[i] = own(size(i));
            for (int j = 0; j < nb; j++) {
                inner1[j] = own(shape1[j].outSize());
                inner2[j] = own(shape2[j].outSize());
            }
            shortcut = maxShortcut > 0 ? own((int) maxShortcut) : null;
            int m = (int) max;
            gradA = own(m);
            gradB = own(m);
            s1 = own(m);
            s2 = own(m);
            s3 = own(m);
            gradInput = own(3 * height * width);
        }

        private void set(int i, int ch, int hh, int ww) {
            c[i] = ch;
            h[i] = hh;
            w[i] = ww;
        }

        private Buffer own(int n) {
            return buffers.allocate(n);
        }

        @Override public Buffer input() { return input; }
        public int channels(int layer) { return c[layer]; }
        public int height(int layer) { return h[layer]; }
        public int width(int layer) { return w[layer]; }
        public int size(int layer) { return c[layer] * h[layer] * w[layer]; }
        /** Output of layer {@code layer} after {@link #forward()}. */
        public Buffer activation(int layer) { return act[layer]; }
        /** The same output with its shape (C_l, H_l, W_l). */
        public Tensor tensor(int layer) { return new Tensor(act[layer], c[layer], h[layer], w[layer]); }

        private Buffer weight(ConvSpec s) { return params.get(s.name())[0]; }
        private Buffer bias(ConvSpec s) { return params.get(s.name())[1]; }

        /** conv then ReLU in place. */
        private void convRelu(Buffer out, Buffer in, ConvSpec spec, ConvShape s) {
            backend.conv2dForward(out, in, weight(spec), bias(spec), s);
            backend.reluForward(out, out, s.outSize());
        }

        /** Runs layers 0..last on {@link #input}. */
        public void forward() {
            convRelu(act[RELU], input, stem, stemShape);
            if (last >= MAXPOOL) backend.maxPoolForward(act[MAXPOOL], act[RELU], poolShape);
            for (int i = FIRST_BLOCK; i <= last; i++) {
                Block b = blocks.get(i - FIRST_BLOCK);
                int j = i - FIRST_BLOCK;
                Buffer x = act[i - 1], out = act[i];
                convRelu(inner1[j], x, b.conv1(), shape1[j]);
                convRelu(inner2[j], inner1[j], b.conv2(), shape2[j]);
                backend.conv2dForward(out, inner2[j], weight(b.conv3()), bias(b.conv3()), shape3[j]);
                if (b.downsample() != null) {                      // out += projection(x)
                    backend.conv2dForward(shortcut, x, weight(b.downsample()), bias(b.downsample()), shapeDown[j]);
                    backend.addScaled(out, shortcut, 1f, size(i));
                } else {
                    backend.addScaled(out, x, 1f, size(i));        // out += x, the identity shortcut
                }
                backend.reluForward(out, out, size(i));
            }
        }

        /**
         * Backpropagates from layer {@code last} to the input. {@code source} adds each layer's loss gradient
         * when backward reaches that layer's output. Returns d loss / d input (3, H, W), valid until the next call.
         */
        public Buffer backward(VggNetwork.GradientSource source) {
            Buffer g = gradA;                                      // d loss / d (output of layer i)
            backend.zero(g, size(last));
            source.addGradient(last, g);
            for (int i = last; i >= FIRST_BLOCK; i--) {
                Buffer dx = g == gradA ? gradB : gradA;
                blockBackward(i, g, dx);
                source.addGradient(i - 1, dx);
                g = dx;
            }
            if (last >= MAXPOOL) {
                Buffer dRelu = g == gradA ? gradB : gradA;
                backend.zero(dRelu, size(RELU));
                backend.maxPoolBackward(dRelu, g, act[RELU], poolShape);
                source.addGradient(RELU, dRelu);
                g = dRelu;
            }
            backend.zero(s1, size(RELU));
            backend.reluBackward(s1, g, act[RELU], size(RELU));
            backend.zero(gradInput, 3 * height * width);
            backend.conv2dBackwardData(gradInput, s1, weight(stem), stemShape);
            return gradInput;
        }

        /** dx := d loss / d (block i's input), given g = d loss / d (its output). */
        private void blockBackward(int i, Buffer g, Buffer dx) {
            Block b = blocks.get(i - FIRST_BLOCK);
            int j = i - FIRST_BLOCK, n1 = shape1[j].outSize(), n2 = shape2[j].outSize();
            Buffer dSum = s1;                                      // through the final ReLU: d (conv3 + shortcut)
            backend.zero(dSum, size(i));
            backend.reluBackward(dSum, g, act[i], size(i));
            backend.zero(dx, size(i - 1));
            if (b.downsample() != null) backend.conv2dBackwardData(dx, dSum, weight(b.downsample()), shapeDown[j]);
            else backend.addScaled(dx, dSum, 1f, size(i));         // the identity shortcut passes it on
            backend.zero(s2, n2);                                  // d inner2
            backend.conv2dBackwardData(s2, dSum, weight(b.conv3()), shape3[j]);
            backend.zero(s3, n2);                                  // d conv2's output before its ReLU
            backend.reluBackward(s3, s2, inner2[j], n2);
            backend.zero(s2, n1);                                  // d inner1
            backend.conv2dBackwardData(s2, s3, weight(b.conv2()), shape2[j]);
            backend.zero(s1, n1);                                  // d conv1's output before its ReLU (dSum is done)
            backend.reluBackward(s1, s2, inner1[j], n1);
            backend.conv2dBackwardData(dx, s1, weight(b.conv1()), shape1[j]);
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
        for (Buffer[] p : params.values()) {
            p[0].close();
            p[1].close();
        }
        params.clear();
    }
}
