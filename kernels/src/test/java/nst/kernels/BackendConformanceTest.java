package nst.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every op of a fast backend against the {@link ScalarBackend} reference on random shapes: odd sizes,
 * vector tails, 1- and 3-channel edges, VGG-like shapes. A backend's test extends this and says how
 * to create the backend. Leaves out timing: speed is measured in {@code bench}.
 */
public abstract class BackendConformanceTest {

    /** The backend under test, created fresh for each test. */
    protected abstract Backend createBackend();

    /** The tolerance for convolutions (a Winograd path may need the looser one). */
    protected Tolerance convTolerance() { return Tolerance.KERNEL_F32; }

    protected Backend fast;
    protected final Backend ref = new ScalarBackend();
    protected final SplittableRandom rnd = new SplittableRandom(20261122);

    @BeforeEach void open() { fast = createBackend(); }
    @AfterEach void close() { fast.close(); }

    protected float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    protected Buffer put(Backend b, float[] v) {
        Buffer buf = b.allocate(v.length);
        b.upload(buf, v);
        return buf;
    }

    protected static float[] get(Backend b, Buffer buf) {
        float[] v = new float[buf.length()];
        b.download(v, buf);
        return v;
    }

    /** Shapes every backend must handle: tiny, odd, single-channel, RGB input, tails off the vector width, VGG-like. */
    protected List<ConvShape> convShapes() {
        List<ConvShape> l = new ArrayList<>();
        l.add(ConvShape.vgg3x3(1, 1, 1, 1));
        l.add(ConvShape.vgg3x3(3, 4, 37, 29));
        l.add(ConvShape.vgg3x3(3, 64, 19, 23));
        l.add(ConvShape.vgg3x3(5, 7, 13, 11));
        l.add(ConvShape.vgg3x3(17, 9, 9, 33));
        l.add(ConvShape.vgg3x3(64, 64, 16, 16));
        l.add(ConvShape.vgg3x3(32, 40, 7, 5));
        l.add(ConvShape.vgg3x3(128, 128, 6, 10));
        l.add(ConvShape.vgg3x3(8, 16, 2, 3));
        l.add(new ConvShape(3, 11, 9, 5, 1, 1, 1, 1, 0, 0));
        l.add(new ConvShape(4, 12, 13, 6, 5, 5, 2, 2, 2, 2));
        l.add(new ConvShape(2, 10, 8, 3, 3, 2, 2, 1, 0, 1));
        // ResNet-50's kinds on an odd 67×45 image: the 7×7/2 stem on RGB, 1×1/1 in and out of a bottleneck,
        // the 3×3/2 of a first block (v1.5), the 1×1/2 shortcut projection
        l.add(new ConvShape(3, 67, 45, 64, 7, 7, 2, 2, 3, 3));
        l.add(new ConvShape(64, 17, 12, 256, 1, 1, 1, 1, 0, 0));
        l.add(new ConvShape(256, 17, 12, 64, 1, 1, 1, 1, 0, 0));
        l.add(new ConvShape(128, 17, 12, 128, 3, 3, 2, 2, 1, 1));
        l.add(new ConvShape(256, 17, 12, 512, 1, 1, 2, 2, 0, 0));
        l.add(new ConvShape(5, 8, 9, 7, 1, 1, 2, 2, 0, 0));
        return l;
    }

    @Test void conv2dForwardMatchesReference() {
        for (ConvShape s : convShapes()) {
            float[] in = random(s.inSize()), w = random(s.weightSize()), bias = random(s.outC());
            Buffer out = fast.allocate(s.outSize());
            fast.upload(out, random(s.outSize()));              // forward must overwrite garbage
            fast.conv2dForward(out, put(fast, in), put(fast, w), put(fast, bias), s);
            Buffer refOut = ref.allocate(s.outSize());
            ref.conv2dForward(refOut, put(ref, in), put(ref, w), put(ref, bias), s);
            convTolerance().assertClose("conv2dForward " + s, get(fast, out), get(ref, refOut));
        }
    }

    @Test void conv2dForwardWithoutBias() {
        ConvShape s = ConvShape.vgg3x3(6, 10, 9, 14);
        float[] in = random(s.inSize()), w = random(s.weightSize());
        Buffer out = fast.allocate(s.outSize());
        fast.conv2dForward(out, put(fast, in), put(fast, w), null, s);
        Buffer refOut = ref.allocate(s.outSize());
        ref.conv2dForward(refOut, put(ref, in), put(ref, w), null, s);
        convTolerance().assertClose("conv2dForward no bias " + s, get(fast, out), get(ref, refOut));
    }

    @Test void conv2dBackwardDataAccumulates() {
        for (ConvShape s : convShapes()) {
            float[] dOut = random(s.outSize()), w = random(s.weightSize()), start = random(s.inSize());
            Buffer dIn = put(fast, start);
            fast.conv2dBackwardData(dIn, put(fast, dOut), put(fast, w), s);
            Buffer refDIn = put(ref, start);
            ref.conv2dBackwardData(refDIn, put(ref, dOut), put(ref, w), s);
            convTolerance().assertClose("conv2dBackwardData " + s, get(fast, dIn), get(ref, refDIn));
        }
    }

    @Test void conv2dBackwardWeightsAccumulates() {
        for (ConvShape s : convShapes()) {
            float[] dOut = random(s.outSize()), in = random(s.inSize());
            float[] w0 = random(s.weightSize()), b0 = random(s.outC());
            Buffer dW = put(fast, w0), dB = put(fast, b0);
            fast.conv2dBackwardWeights(dW, dB, put(fast, dOut), put(fast, in), s);
            Buffer rW = put(ref, w0), rB = put(ref, b0);
            ref.conv2dBackwardWeights(rW, rB, put(ref, dOut), put(ref, in), s);
            Tolerance.KERNEL_F32.assertClose("conv2dBackwardWeights dW " + s, get(fast, dW), get(ref, rW));
            Tolerance.KERNEL_F32.assertClose("conv2dBackwardWeights dB " + s, get(fast, dB), get(ref, rB));
        }
    }

    @Test void reluForwardAndBackward() {
        for (int n : new int[] {1, 7, 8, 9, 31, 64, 1000, 4099}) {
            float[] in = random(n), dOut = random(n), d0 = random(n);
            Buffer out = fast.allocate(n);
            fast.reluForward(out, put(fast, in), n);
            Buffer rOut = ref.allocate(n);
            ref.reluForward(rOut, put(ref, in), n);
            Tolerance.KERNEL_F32.assertClose("reluForward n=" + n, get(fast, out), get(ref, rOut));
            Buffer dIn = put(fast, d0);
            fast.reluBackward(dIn, put(fast, dOut), out, n);
            Buffer rdIn = put(ref, d0);
            ref.reluBackward(rdIn, put(ref, dOut), rOut, n);
            Tolerance.KERNEL_F32.assertClose("reluBackward n=" + n, get(fast, dIn), get(ref, rdIn));
        }
    }

    @Test void reluInPlace() {
        float[] in = random(37);
        Buffer b = put(fast, in);
        fast.reluForward(b, b, 37);
        Buffer r = put(ref, in);
        ref.reluForward(r, r, 37);
        Tolerance.KERNEL_F32.assertClose("reluForward in place", get(fast, b), get(ref, r));
    }

    protected List<PoolShape> poolShapes() {
        return List.of(new PoolShape(1, 2, 2, 2, 2), new PoolShape(3, 37, 29, 2, 2), new PoolShape(64, 16, 16, 2, 2),
                new PoolShape(5, 9, 17, 2, 2), new PoolShape(2, 7, 7, 3, 2), new PoolShape(4, 33, 18, 2, 2),
                // padded: ResNet's 3×3/2 pad 1 stem pool on odd sizes, a 1×1 input whose window is mostly padding,
                // a 2×2/2 pad 1 (must not take an unpadded fast path), a stride-1 padded window
                new PoolShape(64, 34, 23, 3, 2, 1), new PoolShape(3, 7, 8, 3, 2, 1), new PoolShape(2, 1, 1, 3, 2, 1),
                new PoolShape(5, 9, 17, 2, 2, 1), new PoolShape(3, 6, 5, 3, 1, 1), new PoolShape(2, 11, 13, 5, 3, 2));
    }

    @Test void poolingForwardAndBackward() {
        for (PoolShape s : poolShapes()) {
            float[] in = random(s.inSize()), dOut = random(s.outSize()), d0 = random(s.inSize());
            Buffer fin = put(fast, in), rin = put(ref, in);
            Buffer fo = fast.allocate(s.outSize()), ro = ref.allocate(s.outSize());
            fast.maxPoolForward(fo, fin, s);
            ref.maxPoolForward(ro, rin, s);
            Tolerance.KERNEL_F32.assertClose("maxPoolForward " + s, get(fast, fo), get(ref, ro));
            Buffer fd = put(fast, d0), rd = put(ref, d0);
            fast.maxPoolBackward(fd, put(fast, dOut), fin, s);
            ref.maxPoolBackward(rd, put(ref, dOut), rin, s);
            Tolerance.KERNEL_F32.assertClose("maxPoolBackward " + s, get(fast, fd), get(ref, rd));
            fast.avgPoolForward(fo, fin, s);
            ref.avgPoolForward(ro, rin, s);
            Tolerance.KERNEL_F32.assertClose("avgPoolForward " + s, get(fast, fo), get(ref, ro));
            fd = put(fast, d0);
            rd = put(ref, d0);
            fast.avgPoolBackward(fd, put(fast, dOut), s);
            ref.avgPoolBackward(rd, put(ref, dOut), s);
            Tolerance.KERNEL_F32.assertClose("avgPoolBackward " + s, get(fast, fd), get(ref, rd));
        }
    }

    /** AdaIN's encoder pools 2×2/2 in ceil mode: odd sizes give a last row/column of clipped windows. */
    protected List<PoolShape> ceilPoolShapes() {
        return List.of(PoolShape.ceil(3, 67, 45, 2, 2), PoolShape.ceil(64, 33, 23, 2, 2), PoolShape.ceil(2, 3, 3, 2, 2),
                PoolShape.ceil(5, 9, 17, 3, 2), PoolShape.ceil(4, 16, 16, 2, 2), PoolShape.ceil(2, 7, 6, 2, 2));
    }

    @Test void ceilModeMaxPooling() {
        for (PoolShape s : ceilPoolShapes()) {
            for (boolean ties : new boolean[] {false, true}) {
                float[] in = random(s.inSize()), dOut = random(s.outSize()), d0 = random(s.inSize());
                if (ties) {
                    for (int i = 0; i < in.length; i++) in[i] = rnd.nextInt(4) == 0 ? 0f : rnd.nextInt(3);
                    for (int i = 0; i < in.length; i += 37) in[i] = Float.NaN;
                }
                Buffer fin = put(fast, in), rin = put(ref, in);
                Buffer fo = fast.allocate(s.outSize()), ro = ref.allocate(s.outSize());
                fast.maxPoolForward(fo, fin, s);
                ref.maxPoolForward(ro, rin, s);
                Tolerance.EXACT.assertClose("ceil-mode maxPoolForward " + s, get(fast, fo), get(ref, ro));
                Buffer fd = put(fast, d0), rd = put(ref, d0);
                fast.maxPoolBackward(fd, put(fast, dOut), fin, s);
                ref.maxPoolBackward(rd, put(ref, dOut), rin, s);
                // the same argmax everywhere, but overlapping windows (k=3, stride 2) add into dIn in another order
                Tolerance.KERNEL_F32.assertClose("ceil-mode maxPoolBackward " + s, get(fast, fd), get(ref, rd));
            }
        }
    }

    /**
     * Max pooling on ReLU-like inputs full of ties (0, 1, 2, repeated) and a few NaNs: the gradient goes to the
     * first maximum of each window in row-major order and NaN wins, as in PyTorch, so results must be identical.
     */
    @Test void maxPoolTiesAndNaNs() {
        for (PoolShape s : poolShapes()) {
            float[] in = new float[s.inSize()], dOut = random(s.outSize());
            for (int i = 0; i < in.length; i++) in[i] = rnd.nextInt(4) == 0 ? 0f : rnd.nextInt(3);
            for (int i = 0; i < in.length; i += 37) in[i] = Float.NaN;
            Buffer fin = put(fast, in), rin = put(ref, in);
            Buffer fo = fast.allocate(s.outSize()), ro = ref.allocate(s.outSize());
            fast.maxPoolForward(fo, fin, s);
            ref.maxPoolForward(ro, rin, s);
            Tolerance.EXACT.assertClose("maxPoolForward with ties and NaNs " + s, get(fast, fo), get(ref, ro));
            Buffer fd = fast.allocate(s.inSize()), rd = ref.allocate(s.inSize());
            fast.maxPoolBackward(fd, put(fast, dOut), fin, s);
            ref.maxPoolBackward(rd, put(ref, dOut), rin, s);
            Tolerance.EXACT.assertClose("maxPoolBackward with ties and NaNs " + s, get(fast, fd), get(ref, rd));
        }
    }

    /** ReLU-like input: zeros, ±0, NaNs and random values, so the mask sees every case. */
    private float[] reluInput(int n) {
        float[] in = random(n);
        for (int i = 0; i < n; i += 5) in[i] = 0f;
        for (int i = 3; i < n; i += 11) in[i] = -0f;
        for (int i = 7; i < n; i += 41) in[i] = Float.NaN;
        return in;
    }

    /**
     * The packed-mask ReLU (issue 18): its output is reluForward's, its mask words are the reference's bit for
     * bit, and the backward from the mask is reluBackward from the output, exactly. Sizes cover word tails,
     * vector tails and the parallel path (70001 elements), in place and not.
     */
    @Test void reluWithMaskMatchesReluAndTheReference() {
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 64, 1000, 4099, 70001}) {
            for (boolean inPlace : new boolean[] {false, true}) {
                String what = "n=" + n + (inPlace ? " in place" : "");
                float[] in = reluInput(n), dOut = random(n), d0 = random(n);
                Buffer fin = put(fast, in), fo = inPlace ? fin : fast.allocate(n), fm = fast.allocate(Backend.maskLength(n));
                fast.reluForwardWithMask(fo, fm, fin, n);
                Buffer rin = put(ref, in), ro = ref.allocate(n), rm = ref.allocate(Backend.maskLength(n));
                ref.reluForwardWithMask(ro, rm, rin, n);
                Buffer plain = ref.allocate(n);
                ref.reluForward(plain, put(ref, in), n);
                Tolerance.EXACT.assertClose("reluForwardWithMask out " + what, get(fast, fo), get(ref, plain));
                Tolerance.EXACT.assertClose("reluForwardWithMask mask " + what, get(fast, fm), get(ref, rm));
                Buffer fd = put(fast, d0), rd = put(ref, d0);
                fast.reluBackwardFromMask(fd, put(fast, dOut), fm, n);
                ref.reluBackward(rd, put(ref, dOut), plain, n);
                Tolerance.EXACT.assertClose("reluBackwardFromMask " + what, get(fast, fd), get(ref, rd));
            }
        }
    }

    /**
     * Max pooling with a packed argmax index: output as maxPoolForward, index words as the reference's, and the
     * backward from the index as maxPoolBackward from the input, on inputs full of ties and NaNs (exact: the
     * same first maximum) and on every pooling shape, plus one large enough for the parallel path.
     */
    @Test void maxPoolWithIndexMatchesMaxPoolAndTheReference() {
        List<PoolShape> shapes = new ArrayList<>(poolShapes());
        shapes.add(new PoolShape(64, 66, 70, 2, 2));
        for (PoolShape s : shapes) {
            for (boolean ties : new boolean[] {false, true}) {
                float[] in = random(s.inSize()), dOut = random(s.outSize());
                if (ties) {
                    for (int i = 0; i < in.length; i++) in[i] = rnd.nextInt(4) == 0 ? 0f : rnd.nextInt(3);
                    for (int i = 0; i < in.length; i += 37) in[i] = Float.NaN;
                }
                String what = s + (ties ? " with ties and NaNs" : "");
                Buffer fin = put(fast, in), rin = put(ref, in);
                Buffer fo = fast.allocate(s.outSize()), fi = fast.allocate(s.indexLength());
                Buffer ro = ref.allocate(s.outSize()), ri = ref.allocate(s.indexLength());
                fast.maxPoolForwardWithIndex(fo, fi, fin, s);
                ref.maxPoolForwardWithIndex(ro, ri, rin, s);
                Buffer plain = ref.allocate(s.outSize());
                ref.maxPoolForward(plain, rin, s);
                Tolerance.EXACT.assertClose("maxPoolForwardWithIndex out " + what, get(fast, fo), get(ref, plain));
                Tolerance.EXACT.assertClose("maxPoolForwardWithIndex index " + what, get(fast, fi), get(ref, ri));
                Buffer fd = fast.allocate(s.inSize()), rd = ref.allocate(s.inSize());
                fast.maxPoolBackwardFromIndex(fd, put(fast, dOut), fi, s);
                ref.maxPoolBackward(rd, put(ref, dOut), rin, s);
                Tolerance.EXACT.assertClose("maxPoolBackwardFromIndex " + what, get(fast, fd), get(ref, rd));
            }
        }
    }

    @Test void gemmAllTranspositions() {
        // k ≤ 256 with a small A takes the SIMD shared-A path; 257 and 300 the general one
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {8, 8, 8}, {17, 33, 9}, {64, 64, 64}, {70, 130, 33}, {5, 1, 300}, {1, 77, 13},
                {9, 1000, 64}, {300, 50, 20}, {40, 70, 256}, {40, 70, 257}};
        for (int[] mnk : sizes) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 0.5f}) {
                        float[] a = random(m * k), b = random(k * n), c0 = random(m * n);
                        Buffer fc = put(fast, c0), rc = put(ref, c0);
                        fast.gemm(fc, put(fast, a), put(fast, b), m, n, k, ta, tb, 1.5f, beta);
                        ref.gemm(rc, put(ref, a), put(ref, b), m, n, k, ta, tb, 1.5f, beta);
                        Tolerance.KERNEL_F32.assertClose("gemm m=" + m + " n=" + n + " k=" + k + " tA=" + ta + " tB=" + tb
                                + " beta=" + beta, get(fast, fc), get(ref, rc));
                    }
                }
            }
        }
    }

    @Test void gramAndBackward() {
        // the last four have enough positions for a chunked dot-product path (SIMD): odd c, tails off the vector width
        int[][] sizes = {{1, 1}, {3, 1073}, {4, 37}, {9, 63}, {64, 256}, {33, 17}, {128, 100},
                {3, 4099}, {65, 4105}, {64, 8197}, {128, 4096}};
        for (int[] s : sizes) {
            int c = s[0], hw = s[1];
            float scale = 1f / (c * hw);
            float[] f = random(c * hw), dG = random(c * c), d0 = random(c * hw);
            Buffer fg = fast.allocate(c * c), rg = ref.allocate(c * c);
            fast.upload(fg, random(c * c));
            fast.gram(fg, put(fast, f), c, hw, scale);
            ref.gram(rg, put(ref, f), c, hw, scale);
            Tolerance.KERNEL_F32.assertClose("gram c=" + c + " hw=" + hw, get(fast, fg), get(ref, rg));
            Buffer fd = put(fast, d0), rd = put(ref, d0);
            fast.gramBackward(fd, put(fast, dG), put(fast, f), c, hw, scale);
            ref.gramBackward(rd, put(ref, dG), put(ref, f), c, hw, scale);
            Tolerance.KERNEL_F32.assertClose("gramBackward c=" + c + " hw=" + hw, get(fast, fd), get(ref, rd));
        }
    }

    @Test void reductionsAndElementwise() {
        for (int n : new int[] {1, 7, 8, 9, 63, 1000, 100003}) {
            float[] a = random(n), b = random(n), o = random(n);
            new Tolerance("double reduction", 1e-9, 1e-6).assertClose("sumSquaredDifference n=" + n,
                    fast.sumSquaredDifference(put(fast, a), put(fast, b), n), ref.sumSquaredDifference(put(ref, a), put(ref, b), n));
            new Tolerance("double reduction", 1e-9, 1e-6).assertClose("sumAbs n=" + n,
                    fast.sumAbs(put(fast, a), n), ref.sumAbs(put(ref, a), n));
            Buffer fo = put(fast, o), ro = put(ref, o);
            fast.addScaledDifference(fo, put(fast, a), put(fast, b), 0.25f, n);
            ref.addScaledDifference(ro, put(ref, a), put(ref, b), 0.25f, n);
            Tolerance.KERNEL_F32.assertClose("addScaledDifference n=" + n, get(fast, fo), get(ref, ro));
            fast.addScaled(fo, put(fast, a), -3f, n);
            ref.addScaled(ro, put(ref, a), -3f, n);
            Tolerance.KERNEL_F32.assertClose("addScaled n=" + n, get(fast, fo), get(ref, ro));
        }
    }

    @Test void zeroAndCopy() {
        float[] a = random(333);
        Buffer x = put(fast, a), y = fast.allocate(333);
        fast.copy(y, x);
        Tolerance.KERNEL_F32.assertClose("copy", get(fast, y), a);
        float[] head = new float[333];
        System.arraycopy(a, 200, head, 200, 133);
        fast.zero(y, 200);                                   // only the first 200 floats
        Tolerance.KERNEL_F32.assertClose("zero(y, 200)", get(fast, y), head);
        fast.zero(y);
        Tolerance.KERNEL_F32.assertClose("zero", get(fast, y), new float[333]);
        Buffer big = put(fast, random(200_000));             // large enough for a parallel fill
        fast.zero(big, 150_001);
        float[] z = get(fast, big);
        for (int i = 0; i < 150_001; i++) if (z[i] != 0f) throw new AssertionError("zero(big, 150001): element " + i + " = " + z[i]);
        if (z[150_001] == 0f && z[199_999] == 0f) throw new AssertionError("zero(big, 150001) cleared past n");
    }

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)

    /** Tiny, odd, VGG-like, widths on and off the vector width (8 and 16 lanes), and p = h − 1 (the widest reflection). */
    protected List<PadShape> padShapes() {
        return List.of(new PadShape(1, 2, 2, 1), new PadShape(3, 37, 29, 1), new PadShape(64, 16, 16, 1),
                new PadShape(5, 9, 17, 2), new PadShape(2, 3, 3, 2), new PadShape(4, 33, 18, 1), new PadShape(3, 6, 40, 5),
                new PadShape(2, 8, 8, 1), new PadShape(1, 1, 1, 0));
    }

    @Test void reflectionPadForwardAndBackward() {
        for (PadShape s : padShapes()) {
            float[] in = random(s.inSize()), dOut = random(s.outSize()), d0 = random(s.inSize());
            Buffer fo = put(fast, random(s.outSize())), ro = ref.allocate(s.outSize());   // forward overwrites garbage
            fast.reflectionPadForward(fo, put(fast, in), s);
            ref.reflectionPadForward(ro, put(ref, in), s);
            Tolerance.EXACT.assertClose("reflectionPadForward " + s, get(fast, fo), get(ref, ro));
            Buffer fd = put(fast, d0), rd = put(ref, d0);
            fast.reflectionPadBackward(fd, put(fast, dOut), s);
            ref.reflectionPadBackward(rd, put(ref, dOut), s);
            Tolerance.KERNEL_F32.assertClose("reflectionPadBackward " + s, get(fast, fd), get(ref, rd));
        }
    }

    /** (c, h, w) of the upsampling input: widths below, at, and off 8 and 16 lanes. */
    protected int[][] upsampleShapes() {
        return new int[][] {{1, 1, 1}, {3, 37, 29}, {64, 16, 16}, {5, 9, 17}, {2, 7, 4}, {4, 3, 8}, {2, 5, 33}, {1, 2, 24}};
    }

    @Test void upsampleNearestForwardAndBackward() {
        for (int[] s : upsampleShapes()) {
            int c = s[0], h = s[1], w = s[2], in = c * h * w, out = 4 * in;
            String shape = "(" + c + "," + h + "," + w + ")";
            float[] x = random(in), dOut = random(out), d0 = random(in);
            Buffer fo = put(fast, random(out)), ro = ref.allocate(out);
            fast.upsampleNearest2xForward(fo, put(fast, x), c, h, w);
            ref.upsampleNearest2xForward(ro, put(ref, x), c, h, w);
            Tolerance.EXACT.assertClose("upsampleNearest2xForward " + shape, get(fast, fo), get(ref, ro));
            Buffer fd = put(fast, d0), rd = put(ref, d0);
            fast.upsampleNearest2xBackward(fd, put(fast, dOut), c, h, w);
            ref.upsampleNearest2xBackward(rd, put(ref, dOut), c, h, w);
            Tolerance.KERNEL_F32.assertClose("upsampleNearest2xBackward " + shape, get(fast, fd), get(ref, rd));
        }
    }

    @Test void channelMeanStdMatchesReference() {
        // (c, hw): two values, tails off the vector width, relu4_1-like (512 channels), one long channel
        int[][] sizes = {{1, 2}, {3, 7}, {4, 8}, {5, 9}, {64, 256}, {17, 1000}, {512, 33}, {3, 100003}};
        for (int[] s : sizes) {
            int c = s[0], hw = s[1];
            float[] in = random(c * hw);
            assertChannelStatsClose("channelMeanStd c=" + c + " hw=" + hw, in, c, hw, 1e-5f);
        }
    }

    /** Features far from zero with a small spread: a one-pass Σx² − (Σx)²/n formula would lose every digit here. */
    @Test void channelMeanStdOfOffsetFeatures() {
        int c = 6, hw = 4099;
        float[] in = random(c * hw);
        for (int i = 0; i < in.length; i++) in[i] = 100f + (i / hw) + 0.01f * in[i];
        assertChannelStatsClose("channelMeanStd offset 100, spread 0.01", in, c, hw, 0f);
    }

    @Test void channelAffineMatchesReferenceAndWorksInPlace() {
        int[][] sizes = {{1, 1}, {3, 7}, {4, 8}, {5, 9}, {64, 256}, {512, 33}, {3, 4099}};
        for (int[] s : sizes) {
            int c = s[0], hw = s[1];
            float[] in = random(c * hw), coeffs = random(2 * c);
            Buffer fo = put(fast, random(c * hw)), ro = ref.allocate(c * hw);
            fast.channelAffine(fo, put(fast, in), put(fast, coeffs), c, hw);
            ref.channelAffine(ro, put(ref, in), put(ref, coeffs), c, hw);
            Tolerance.KERNEL_F32.assertClose("channelAffine c=" + c + " hw=" + hw, get(fast, fo), get(ref, ro));
            Buffer inPlace = put(fast, in);
            fast.channelAffine(inPlace, inPlace, put(fast, coeffs), c, hw);
            Tolerance.KERNEL_F32.assertClose("channelAffine in place c=" + c + " hw=" + hw, get(fast, inPlace), get(ref, ro));
        }
    }

    private void assertChannelStatsClose(String label, float[] in, int c, int hw, float eps) {
        Buffer fo = put(fast, random(2 * c)), ro = ref.allocate(2 * c);
        fast.channelMeanStd(fo, put(fast, in), c, hw, eps);
        ref.channelMeanStd(ro, put(ref, in), c, hw, eps);
        Tolerance.KERNEL_F32.assertClose(label, get(fast, fo), get(ref, ro));
    }
}
