package nst.engine.adain;

import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.PadShape;
import nst.kernels.PoolShape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdaIN's two networks (Huang &amp; Belongie 2017) on a backend, forward only, exactly as naoto0804/pytorch-AdaIN's
 * {@code net.py} builds them:
 * <ul>
 * <li>encoder: the "normalised VGG19": a 1×1 conv 3→3 (the preprocessing baked in; input RGB in [0,1]), then
 * VGG19's convs, each 3×3 preceded by a reflection padding of 1 and followed by a ReLU, 2×2/2 max pooling in ceil
 * mode; cut after relu4_1 ({@link #ENCODER});</li>
 * <li>decoder: the mirror, relu4_1's 512 channels back to RGB: reflection-padded 3×3 convs with ReLU (none after the
 * last), nearest-neighbour ×2 upsampling after decoder.1, .14 and .21 ({@link #DECODER}).</li>
 * </ul>
 * A reflection padding is its own op ({@link Backend#reflectionPadForward}) followed by an unpadded conv. With
 * ceil-mode pooling the decoder returns up to 7 more rows and columns than its input had (67×45 in, 72×48 out);
 * {@link Plan#decode} returns the full output and {@link #crop} keeps the top-left content size, as the public code's
 * output shows (never resampled).
 *
 * <p>Memory: two ping-pong buffers of the largest (padded) activation per plan; a reflection padding writes the
 * second buffer and its conv writes back into the first. Leaves out backward passes (AdaIN runs feed-forward).
 */
public final class AdaInNetwork implements AutoCloseable {

    /**
     * One conv of the layout: its index in the public {@code nn.Sequential}, channels, square kernel, whether a
     * ceil-mode max pool comes before it, whether a ReLU and an ×2 upsampling come after it, and the name of the
     * tap after its ReLU (relu1_1…relu4_1) or null.
     */
    public record ConvSpec(int index, int inC, int outC, int k, boolean poolBefore, boolean relu, boolean upsampleAfter, String tap) {
        public int weightSize() { return outC * inC * k * k; }
    }

    private static ConvSpec enc(int index, int inC, int outC, boolean pool, String tap) {
        return new ConvSpec(index, inC, outC, 3, pool, true, false, tap);
    }

    private static ConvSpec dec(int index, int inC, int outC, boolean up) {
        return new ConvSpec(index, inC, outC, 3, false, true, up, null);
    }

    /** The encoder to relu5_4, as {@code vgg_normalised.pth} holds it. */
    public static final List<ConvSpec> ENCODER_ALL = List.of(
            new ConvSpec(0, 3, 3, 1, false, false, false, null),
            enc(2, 3, 64, false, "relu1_1"), enc(5, 64, 64, false, null),
            enc(9, 64, 128, true, "relu2_1"), enc(12, 128, 128, false, null),
            enc(16, 128, 256, true, "relu3_1"), enc(19, 256, 256, false, null), enc(22, 256, 256, false, null),
            enc(25, 256, 256, false, null),
            enc(29, 256, 512, true, "relu4_1"), enc(32, 512, 512, false, null), enc(35, 512, 512, false, null),
            enc(38, 512, 512, false, null),
            enc(42, 512, 512, true, "relu5_1"), enc(45, 512, 512, false, null), enc(48, 512, 512, false, null),
            enc(51, 512, 512, false, null));

    /** The encoder AdaIN runs: to relu4_1 (Sequential index 30, {@code vgg[:31]} in the public code). */
    public static final List<ConvSpec> ENCODER = ENCODER_ALL.subList(0, 10);

    /** The decoder ({@code decoder.pth}): 512 → 3 channels, three ×2 upsamplings. */
    public static final List<ConvSpec> DECODER = List.of(
            dec(1, 512, 256, true), dec(5, 256, 256, false), dec(8, 256, 256, false), dec(11, 256, 256, false),
            dec(14, 256, 128, true), dec(18, 128, 128, false), dec(21, 128, 64, true), dec(25, 64, 64, false),
            new ConvSpec(28, 64, 3, 3, false, false, false, null));

    /** Channels of relu4_1, where AdaIN works. */
    public static final int FEATURES = 512;

    /**
     * The smallest image side the encoder takes: three ceil-mode poolings leave ⌈⌈⌈n/2⌉/2⌉/2⌉ rows for relu4_1's
     * reflection-padded 3×3 conv, which needs at least 2 (padding 1 must be smaller than the side).
     */
    public static final int MIN_SIDE = 9;

    private final Backend backend;
    private final String source;
    private final Map<Integer, Buffer[]> encoder = new LinkedHashMap<>(), decoder = new LinkedHashMap<>();

    /** Uploads the encoder's convs to relu4_1 and the decoder's. */
    public AdaInNetwork(Backend backend, AdaInWeights weights) {
        this.backend = backend;
        this.source = weights.source();
        try {
            for (ConvSpec c : ENCODER) encoder.put(c.index(), upload(weights.encoder(c.index())));
            for (ConvSpec c : DECODER) decoder.put(c.index(), upload(weights.decoder(c.index())));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private Buffer[] upload(AdaInWeights.Conv c) {
        Buffer w = backend.allocate(c.weight().length);
        Buffer b = backend.allocate(c.bias().length);
        backend.upload(w, c.weight());
        backend.upload(b, c.bias());
        return new Buffer[] {w, b};
    }

    public Backend backend() { return backend; }
    /** Where the weights came from (their metadata's source). */
    public String source() { return source; }

    /** The feature-map size after the encoder's three ceil-mode poolings: ⌈⌈⌈n/2⌉/2⌉/2⌉. */
    public static int featureSide(int n) {
        for (int i = 0; i < 3; i++) n = (n + 1) / 2;
        return n;
    }

    /** Refuses an image too small for the encoder: the message names {@code what} and the size. */
    public static void checkSize(String what, int width, int height) {
        if (width < MIN_SIDE || height < MIN_SIDE)
            throw new IllegalArgumentException(what + " is " + width + "x" + height + ", too small for AdaIN's encoder: each side needs at"
                    + " least " + MIN_SIDE + " pixels (three 2x2 poolings, then a reflection-padded 3x3 conv at relu4_1)");
    }

    /** Hears the encoder's taps (relu1_1…relu4_1) as they are computed; the tensor is valid only during the call. */
    @FunctionalInterface
    public interface Taps {
        void tap(String name, Tensor features);
    }

    /** Buffers for one image size (H, W): the encoder, and the decoder from that size's relu4_1 when {@code decoder}. */
    public Plan plan(int height, int width, boolean withDecoder) {
        return new Plan(height, width, withDecoder);
    }

    /** One step of a network: a conv, with what comes before and after it, at the input size it sees. */
    private record Step(ConvSpec conv, Buffer[] params, PoolShape pool, PadShape pad, ConvShape shape) {}

    /** The buffers and shapes of both networks for one image size. */
    public final class Plan implements AutoCloseable {
        public final int height, width;
        /** The image (3, H, W), RGB in [0,1]. */
        public final Buffer input;
        private final List<Step> encSteps = new ArrayList<>(), decSteps = new ArrayList<>();
        private final Buffer a, b;
        private final List<Buffer> owned = new ArrayList<>();
        private final int featC, featH, featW, outH, outW;

        private Plan(int height, int width, boolean withDecoder) {
            checkSize("the image", width, height);
            this.height = height;
            this.width = width;
            long max = 3L * height * width;
            int c = 3, h = height, w = width;
            for (ConvSpec s : ENCODER) {
                PoolShape pool = null;
                if (s.poolBefore()) {
                    pool = PoolShape.ceil(c, h, w, 2, 2);
                    h = pool.outH();
                    w = pool.outW();
                }
                PadShape pad = s.k() == 3 ? new PadShape(c, h, w, 1) : null;
                ConvShape cs = new ConvShape(c, pad == null ? h : pad.outH(), pad == null ? w : pad.outW(), s.outC(), s.k(), s.k(), 1, 1, 0, 0);
                encSteps.add(new Step(s, encoder.get(s.index()), pool, pad, cs));
                if (pad != null) max = Math.max(max, pad.outSize());
                c = s.outC();
                h = cs.outH();
                w = cs.outW();
                max = Math.max(max, (long) c * h * w);
            }
            featC = c;
            featH = h;
            featW = w;
            if (withDecoder) {
                for (ConvSpec s : DECODER) {
                    PadShape pad = new PadShape(c, h, w, 1);
                    ConvShape cs = new ConvShape(c, pad.outH(), pad.outW(), s.outC(), 3, 3, 1, 1, 0, 0);
                    decSteps.add(new Step(s, decoder.get(s.index()), null, pad, cs));
                    max = Math.max(max, pad.outSize());
                    c = s.outC();
                    h = cs.outH();
                    w = cs.outW();
                    if (s.upsampleAfter()) {
                        h *= 2;
                        w *= 2;
                    }
                    max = Math.max(max, (long) c * h * w);
                }
            }
            outH = h;
            outW = w;
            if (max > Integer.MAX_VALUE - 8)
                throw new IllegalArgumentException("image " + width + "x" + height + " is too large for AdaIN's buffers");
            try {
                input = own(3 * height * width);
                a = own((int) max);
                b = own((int) max);
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        private Buffer own(int n) {
            Buffer buf = backend.allocate(n);
            owned.add(buf);
            return buf;
        }

        /** relu4_1's shape at this size: (512, ⌈⌈⌈H/2⌉/2⌉/2⌉, …). */
        public int featureChannels() { return featC; }
        public int featureHeight() { return featH; }
        public int featureWidth() { return featW; }
        /** The decoder's output size (at least the input's, up to 7 more). */
        public int outputHeight() { return outH; }
        public int outputWidth() { return outW; }
        /** Bytes held by this plan's buffers. */
        public long bytes() {
            long n = 0;
            for (Buffer buf : owned) n += 4L * buf.length();
            return n;
        }

        /**
         * Runs the encoder on {@link #input}; returns relu4_1 (a view of a plan buffer, valid until the next call).
         * {@code taps} (may be null) hears relu1_1…relu4_1.
         */
        public Tensor encode(Taps taps) {
            Buffer x = a, scratch = b;
            Buffer in = input;
            for (Step s : encSteps) {
                if (s.pool() != null) {
                    backend.maxPoolForward(scratch, x, s.pool());
                    Buffer t = x;
                    x = scratch;
                    scratch = t;
                }
                Buffer convIn = in;
                if (s.pad() != null) {
                    backend.reflectionPadForward(scratch, x, s.pad());
                    convIn = scratch;
                }
                backend.conv2dForward(x, convIn, s.params()[0], s.params()[1], s.shape());
                if (s.conv().relu()) backend.reluForward(x, x, s.shape().outSize());
                in = null;
                if (taps != null && s.conv().tap() != null)
                    taps.tap(s.conv().tap(), new Tensor(x, s.conv().outC(), s.shape().outH(), s.shape().outW()));
            }
            return new Tensor(x, featC, featH, featW);
        }

        /**
         * Runs the decoder on {@code features} (relu4_1's shape at this size; any buffer, it is only read); returns
         * the image (3, {@link #outputHeight()}, {@link #outputWidth()}) as a view of a plan buffer, valid until the
         * next call. {@code features} must not be one of this plan's own buffers.
         */
        public Tensor decode(Tensor features) {
            if (decSteps.isEmpty()) throw new IllegalStateException("this plan has no decoder");
            if (features.channels() != featC || features.height() != featH || features.width() != featW)
                throw new IllegalArgumentException("decoder input " + features + " does not match (" + featC + ", " + featH + ", " + featW + ")");
            if (features.buffer() == a || features.buffer() == b)
                throw new IllegalArgumentException("decoder input must not live in the plan's own buffers: copy it first");
            Buffer x = a, scratch = b;
            Buffer in = features.buffer();
            for (Step s : decSteps) {
                backend.reflectionPadForward(scratch, in, s.pad());
                backend.conv2dForward(x, scratch, s.params()[0], s.params()[1], s.shape());
                int n = s.shape().outSize();
                if (s.conv().relu()) backend.reluForward(x, x, n);
                if (s.conv().upsampleAfter()) {
                    backend.upsampleNearest2xForward(scratch, x, s.conv().outC(), s.shape().outH(), s.shape().outW());
                    Buffer t = x;
                    x = scratch;
                    scratch = t;
                }
                in = x;
            }
            return new Tensor(x, 3, outH, outW);
        }

        @Override
        public void close() {
            for (Buffer buf : owned) buf.close();
            owned.clear();
        }
    }

    /** The top-left (3, h, w) of a (3, fullH, fullW) image: the decoder's extra rows and columns dropped. */
    public static float[] crop(float[] full, int fullH, int fullW, int h, int w) {
        if (h > fullH || w > fullW) throw new IllegalArgumentException("cannot crop " + fullW + "x" + fullH + " to " + w + "x" + h);
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++) System.arraycopy(full, (c * fullH + y) * fullW, out, (c * h + y) * w, w);
        return out;
    }

    @Override
    public void close() {
        for (Buffer[] p : encoder.values()) { p[0].close(); p[1].close(); }
        for (Buffer[] p : decoder.values()) { p[0].close(); p[1].close(); }
        encoder.clear();
        decoder.clear();
    }
}
