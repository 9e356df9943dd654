package nst.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import nst.kernels.Backend;
import nst.kernels.BackendProvider;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.HeapBuffer;
import nst.kernels.PadShape;
import nst.kernels.PoolShape;

import java.util.Map;
import java.util.WeakHashMap;

import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.VL;

/**
 * The Vector API backend: heap float[] storage, a fixed pool of worker threads, blocked GEMM, implicit-GEMM
 * and Winograd F(2×2,3×3) convolutions with cached weight transforms (see KERNELS.md for the rules).
 * Leaves out off-heap storage, batching, and fusing ops across the {@link Backend} interface.
 *
 * <p>Weight cache rule: the packed/transformed form of a weight buffer is kept (per buffer identity,
 * weakly) from its first use by a convolution until that buffer is written through this backend
 * (upload, copy into it, zero, addScaled, addScaledDifference, any op's output) or {@link #invalidate}
 * is called. Writing a buffer's {@code HeapBuffer.data} directly bypasses this: call invalidate.
 */
public final class SimdBackend implements Backend {

    /** Which algorithm a 3×3 stride-1 pad-1 convolution uses. */
    /** Which algorithm a 3×3 stride-1 pad-1 convolution uses: WINOGRAD is F(2×2,3×3), WINOGRAD4 is F(4×4,3×3). */
    public enum ConvAlgorithm { AUTO, GEMM, WINOGRAD, WINOGRAD4 }

    /** Below this many elements an elementwise op runs on the caller thread alone. */
    private static final int PARALLEL_MIN = 1 << 16;

    private final WorkerPool pool;
    private final Scratch[] scratch;          // one per worker
    private final ConvAlgorithm algorithm;
    private final Map<Buffer, Prepared> prepared = new WeakHashMap<>();

    /** Transformed forms of one weight buffer, each made on first need for the shape {@code shape}. */
    private static final class Prepared {
        final ConvShape shape;
        float[] gemmForward;      // (ceil(O/MR), I·9, MR)
        float[] gemmBackward;     // (ceil(I/MR), O·9, MR), flipped and transposed
        float[] winoForward;      // Winograd U, see Winograd.transformWeights
        float[] winoBackward;
        float[] wino4Forward;     // Winograd4 U, see Winograd4.transformWeights
        float[] wino4Backward;
        float[] directForward;    // ConvDirect.packWeights, for ≤ 4 output channels
        float[] directBackward;   // the same for the flipped, transposed kernel (≤ 4 input channels)
        Prepared(ConvShape shape) { this.shape = shape; }
    }

    /** threads ≤ 0: all cores; system property {@code nst.threads} overrides; {@code nst.simd.conv} picks the algorithm. */
    public SimdBackend(int threads) {
        this(threads, ConvAlgorithm.valueOf(System.getProperty("nst.simd.conv", "auto").trim().toUpperCase(java.util.Locale.ROOT)));
    }

    public SimdBackend(int threads, ConvAlgorithm algorithm) {
        String prop = System.getProperty("nst.threads");
        if (prop != null && !prop.isBlank()) threads = Integer.parseInt(prop.trim());
        if (threads <= 0) threads = Runtime.getRuntime().availableProcessors();
        this.pool = new WorkerPool(threads);
        this.scratch = new Scratch[threads];
        for (int t = 0; t < threads; t++) scratch[t] = new Scratch();
        this.algorithm = algorithm;
    }

    @Override public String name() { return "simd"; }

    @Override public String description() {
        return "simd (Vector API " + F.vectorBitSize() + "-bit, " + pool.size() + (pool.size() == 1 ? " thread" : " threads") + ", micro-kernel "
                + Vec.MR + "x" + Vec.NR + ", conv " + algorithm.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override public Memory memory() { return Memory.JAVA_HEAP; }

    public int threads() { return pool.size(); }

    /** Forgets the cached transforms of a weight buffer (needed only after writing its array directly). */
    public void invalidate(Buffer weight) { prepared.remove(weight); }

    private void written(Buffer b) {
        if (!prepared.isEmpty()) prepared.remove(b);
    }

    // ---------------------------------------------------------------- storage

    @Override public Buffer allocate(int length) { return new HeapBuffer(length); }

    @Override public void upload(Buffer dst, float[] src) {
        written(dst);
        System.arraycopy(src, 0, HeapBuffer.of(dst), 0, dst.length());
    }

    @Override public void download(float[] dst, Buffer src) {
        System.arraycopy(HeapBuffer.of(src), 0, dst, 0, src.length());
    }

    @Override public void zero(Buffer dst, int n) {
        written(dst);
        float[] d = HeapBuffer.of(dst);
        parallelRange(n, (from, to) -> java.util.Arrays.fill(d, from, to, 0f));
    }

    @Override public void copy(Buffer dst, Buffer src) {
        written(dst);
        System.arraycopy(HeapBuffer.of(src), 0, HeapBuffer.of(dst), 0, src.length());
    }

    // ---------------------------------------------------------------- convolution

    private Prepared prepared(Buffer weight, ConvShape s) {
        Prepared p = prepared.get(weight);
        if (p == null || !p.shape.equals(s)) {
            p = new Prepared(s);
            prepared.put(weight, p);
        }
        return p;
    }

    /** True when s (a forward shape) should run as {@link ConvDirect}: few output channels, unless an algorithm is forced. */
    boolean useDirect(ConvShape s) {
        return algorithm == ConvAlgorithm.AUTO && ConvDirect.applies(s);
    }

    /** True when s is a 3×3 stride-1 pad-1 convolution that should run as Winograd (either tile size). */
    boolean useWinograd(ConvShape s) {
        if (!Winograd.applies(s)) return false;
        return switch (algorithm) {
            case GEMM -> false;
            case WINOGRAD, WINOGRAD4 -> true;
            case AUTO -> Winograd.preferred(s);
        };
    }

    /** True when s (forward shape of the layer) runs as Winograd F(4×4,3×3) rather than F(2×2,3×3); implies useWinograd. */
    boolean useWinograd4(ConvShape s) {
        if (!useWinograd(s)) return false;
        return switch (algorithm) {
            case WINOGRAD4 -> true;
            case AUTO -> Winograd.preferred4(s);
            default -> false;
        };
    }

    @Override
    public void conv2dForward(Buffer outB, Buffer inB, Buffer weightB, Buffer biasB, ConvShape s) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB), w = HeapBuffer.of(weightB);
        float[] bias = biasB == null ? null : HeapBuffer.of(biasB);
        Prepared p = prepared(weightB, s);
        if (useDirect(s)) {
            if (p.directForward == null) p.directForward = ConvDirect.packWeights(w, s.outC(), s.inC());
            ConvDirect.conv(pool, scratch, out, in, p.directForward, bias, s.inC(), s.outC(), s.inH(), s.inW(), false);
        } else if (useWinograd4(s)) {
            if (p.wino4Forward == null) p.wino4Forward = Winograd4.transformWeights(w, s.outC(), s.inC());
            Winograd4.conv(pool, scratch, out, in, p.wino4Forward, bias, s.inC(), s.outC(), s.inH(), s.inW(), false);
        } else if (useWinograd(s)) {
            if (p.winoForward == null) p.winoForward = Winograd.transformWeights(w, s.outC(), s.inC());
            Winograd.conv(pool, scratch, out, in, p.winoForward, bias, s.inC(), s.outC(), s.inH(), s.inW(), false);
        } else {
            if (p.gemmForward == null) p.gemmForward = ConvGemm.packWeights(w, s.outC(), s.inC() * s.kH() * s.kW());
            ConvGemm.forward(pool, scratch, out, in, p.gemmForward, bias, s, false);
        }
    }

    @Override
    public void conv2dBackwardData(Buffer dInB, Buffer dOutB, Buffer weightB, ConvShape s) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), w = HeapBuffer.of(weightB);
        if (!ConvGemm.backwardAsForward(s)) {
            ConvGemm.backwardDataGeneral(pool, scratch, dIn, dOut, w, s);
            return;
        }
        Prepared p = prepared(weightB, s);
        ConvShape t = ConvGemm.transposedShape(s);          // dIn = conv(dOut, flipped Wᵀ), accumulated
        if (useDirect(t)) {                                  // conv1_1: 64 gradient channels into the 3 of the image
            if (p.directBackward == null) p.directBackward = ConvDirect.packWeights(ConvGemm.flipTranspose(w, s), s.inC(), s.outC());
            ConvDirect.conv(pool, scratch, dIn, dOut, p.directBackward, null, t.inC(), t.outC(), t.inH(), t.inW(), true);
        } else if (useWinograd4(s)) {
            if (p.wino4Backward == null) p.wino4Backward = Winograd4.transformWeights(ConvGemm.flipTranspose(w, s), s.inC(), s.outC());
            Winograd4.conv(pool, scratch, dIn, dOut, p.wino4Backward, null, t.inC(), t.outC(), t.inH(), t.inW(), true);
        } else if (useWinograd(s)) {
            if (p.winoBackward == null) p.winoBackward = Winograd.transformWeights(ConvGemm.flipTranspose(w, s), s.inC(), s.outC());
            Winograd.conv(pool, scratch, dIn, dOut, p.winoBackward, null, t.inC(), t.outC(), t.inH(), t.inW(), true);
        } else {
            if (p.gemmBackward == null)
                p.gemmBackward = ConvGemm.packWeights(ConvGemm.flipTranspose(w, s), s.inC(), s.outC() * s.kH() * s.kW());
            ConvGemm.forward(pool, scratch, dIn, dOut, p.gemmBackward, null, t, true);
        }
    }

    @Override
    public void conv2dBackwardWeights(Buffer dWeightB, Buffer dBiasB, Buffer dOutB, Buffer inB, ConvShape s) {
        written(dWeightB);
        ConvGemm.backwardWeights(pool, scratch, HeapBuffer.of(dWeightB), dBiasB == null ? null : HeapBuffer.of(dBiasB),
                HeapBuffer.of(dOutB), HeapBuffer.of(inB), s);
    }

    // ---------------------------------------------------------------- activations and pooling

    /** Runs body(from, to) over [0, n) in vector-aligned chunks, in parallel when n is large. */
    private void parallelRange(int n, RangeBody body) {
        if (n < PARALLEL_MIN || pool.size() == 1) {
            body.run(0, n);
            return;
        }
        int chunks = pool.size() * 4;
        int per = ((n + chunks - 1) / chunks + VL - 1) / VL * VL;
        pool.run((n + per - 1) / per, (worker, task) -> body.run(task * per, Math.min(n, task * per + per)));
    }

    @FunctionalInterface
    private interface RangeBody { void run(int from, int to); }

    @Override
    public void reluForward(Buffer outB, Buffer inB, int n) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        parallelRange(n, (from, to) -> {
            int j = from;
            for (; j <= to - VL; j += VL) FloatVector.fromArray(F, in, j).max(0f).intoArray(out, j);
            for (; j < to; j++) out[j] = Math.max(in[j], 0f);
        });
    }

    @Override
    public void reluBackward(Buffer dInB, Buffer dOutB, Buffer outB, int n) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), out = HeapBuffer.of(outB);
        parallelRange(n, (from, to) -> {
            int j = from;
            for (; j <= to - VL; j += VL) {
                VectorMask<Float> on = FloatVector.fromArray(F, out, j).compare(VectorOperators.GT, 0f);
                FloatVector d = FloatVector.fromArray(F, dIn, j);
                d.add(FloatVector.fromArray(F, dOut, j), on).intoArray(dIn, j);
            }
            for (; j < to; j++) if (out[j] > 0f) dIn[j] += dOut[j];
        });
    }

    private void perChannel(int c, ChannelBody body) {
        pool.run(c, (worker, ch) -> body.run(ch));
    }

    @FunctionalInterface
    private interface ChannelBody { void run(int c); }

    /**
     * Row-major index (of a, b, c, d = the window's top-left, top-right, bottom-left, bottom-right) of the first
     * maximum of a 2 × 2 window, NaN winning: the same choice as {@link PoolShape#argmax} without its loops.
     */
    private static int first2x2(float a, float b, float c, float d) {
        int best = 0;
        float v = a;
        if (b > v || (b != b && v == v)) { best = 1; v = b; }
        if (c > v || (c != c && v == v)) { best = 2; v = c; }
        if (d > v || (d != d && v == v)) best = 3;
        return best;
    }

    /** VGG's 2×2 stride-2 pooling without padding, which the max pools unroll. */
    private static boolean unpadded2x2(PoolShape s) {
        return s.k() == 2 && s.stride() == 2 && s.pad() == 0;
    }

    @Override
    public void maxPoolForward(Buffer outB, Buffer inB, PoolShape s) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        if (unpadded2x2(s)) {                                     // VGG's pooling: unrolled windows
            int h = s.h(), w = s.w(), fh = h / 2, fw = w / 2;      // full windows; ceil mode adds a clipped row/column
            perChannel(s.c(), c -> {
                for (int y = 0; y < fh; y++) {
                    int r0 = (c * h + 2 * y) * w, r1 = r0 + w, o = (c * oh + y) * ow;
                    for (int x = 0; x < fw; x++) {
                        float a = in[r0 + 2 * x], b = in[r0 + 2 * x + 1], cc = in[r1 + 2 * x], d = in[r1 + 2 * x + 1];
                        int k = first2x2(a, b, cc, d);
                        out[o + x] = k == 0 ? a : k == 1 ? b : k == 2 ? cc : d;
                    }
                    for (int x = fw; x < ow; x++) out[o + x] = in[s.argmax(in, c, y, x)];
                }
                for (int y = fh; y < oh; y++)
                    for (int x = 0; x < ow; x++) out[(c * oh + y) * ow + x] = in[s.argmax(in, c, y, x)];
            });
            return;
        }
        perChannel(s.c(), c -> {
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) out[(c * oh + y) * ow + x] = in[s.argmax(in, c, y, x)];
        });
    }

    @Override
    public void maxPoolBackward(Buffer dInB, Buffer dOutB, Buffer inB, PoolShape s) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        if (unpadded2x2(s)) {
            int h = s.h(), w = s.w(), fh = h / 2, fw = w / 2;
            perChannel(s.c(), c -> {
                for (int y = 0; y < fh; y++) {
                    int r0 = (c * h + 2 * y) * w, r1 = r0 + w, o = (c * oh + y) * ow;
                    for (int x = 0; x < fw; x++) {
                        int p = r0 + 2 * x, q = r1 + 2 * x;
                        int k = first2x2(in[p], in[p + 1], in[q], in[q + 1]);
                        dIn[k == 0 ? p : k == 1 ? p + 1 : k == 2 ? q : q + 1] += dOut[o + x];
                    }
                    for (int x = fw; x < ow; x++) dIn[s.argmax(in, c, y, x)] += dOut[o + x];
                }
                for (int y = fh; y < oh; y++)
                    for (int x = 0; x < ow; x++) dIn[s.argmax(in, c, y, x)] += dOut[(c * oh + y) * ow + x];
            });
            return;
        }
        perChannel(s.c(), c -> {                       // a channel's windows only touch that channel
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) dIn[s.argmax(in, c, y, x)] += dOut[(c * oh + y) * ow + x];
        });
    }

    /** Runs body(from, to) over [0, words) word ranges (each word packs wordSize elements), in parallel when there are many elements. */
    private void parallelWords(int words, int wordSize, RangeBody body) {
        if ((long) words * wordSize < PARALLEL_MIN || pool.size() == 1) {
            body.run(0, words);
            return;
        }
        int chunks = pool.size() * 4;
        int per = (words + chunks - 1) / chunks;
        pool.run((words + per - 1) / per, (worker, task) -> body.run(task * per, Math.min(words, task * per + per)));
    }

    /** Whether 16-element mask words split into whole vectors (VL 4, 8 or 16). */
    private static final boolean WORD_VECTORS = VL <= 16 && 16 % VL == 0;

    @Override
    public void reluForwardWithMask(Buffer outB, Buffer maskB, Buffer inB, int n) {
        written(outB);
        written(maskB);
        float[] out = HeapBuffer.of(outB), mask = HeapBuffer.of(maskB), in = HeapBuffer.of(inB);
        parallelWords(Backend.maskLength(n), 16, (w0, w1) -> {
            for (int word = w0; word < w1; word++) {
                int base = word * 16, bits = 0;
                if (WORD_VECTORS && base + 16 <= n) {
                    for (int sub = 0; sub < 16; sub += VL) {
                        FloatVector v = FloatVector.fromArray(F, in, base + sub).max(0f);
                        v.intoArray(out, base + sub);
                        bits |= (int) v.compare(VectorOperators.GT, 0f).toLong() << sub;
                    }
                } else {
                    for (int b = 0; b < 16 && base + b < n; b++) {
                        float v = Math.max(in[base + b], 0f);
                        out[base + b] = v;
                        if (v > 0f) bits |= 1 << b;
                    }
                }
                mask[word] = bits;
            }
        });
    }

    @Override
    public void reluBackwardFromMask(Buffer dInB, Buffer dOutB, Buffer maskB, int n) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), mask = HeapBuffer.of(maskB);
        parallelWords(Backend.maskLength(n), 16, (w0, w1) -> {
            for (int word = w0; word < w1; word++) {
                int base = word * 16, bits = (int) mask[word];
                if (bits == 0) continue;
                if (WORD_VECTORS && base + 16 <= n) {
                    for (int sub = 0; sub < 16; sub += VL) {
                        VectorMask<Float> on = VectorMask.fromLong(F, bits >>> sub);
                        FloatVector.fromArray(F, dIn, base + sub).add(FloatVector.fromArray(F, dOut, base + sub), on).intoArray(dIn, base + sub);
                    }
                } else {
                    for (int b = 0; b < 16 && base + b < n; b++) if ((bits >> b & 1) != 0) dIn[base + b] += dOut[base + b];
                }
            }
        });
    }

    @Override
    public void maxPoolForwardWithIndex(Buffer outB, Buffer indexB, Buffer inB, PoolShape s) {
        written(outB);
        written(indexB);
        float[] out = HeapBuffer.of(outB), index = HeapBuffer.of(indexB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW(), h = s.h(), w = s.w(), k = s.k(), st = s.stride(), pad = s.pad();
        int bits = s.indexBits(), per = s.indexPerWord(), total = s.outSize();
        boolean fast = unpadded2x2(s);
        // windows q = (c·oh + y)·ow + x in whole index words per task, so no two tasks write one word
        parallelWords(s.indexLength(), per * k * k, (w0, w1) -> {
            int q = w0 * per, end = Math.min(total, w1 * per);
            int c = q / (oh * ow), y = q / ow % oh, x = q % ow, word = 0;
            for (; q < end; q++) {
                int at;
                if (fast) {
                    int p = (c * h + 2 * y) * w + 2 * x;
                    at = first2x2(in[p], in[p + 1], in[p + w], in[p + w + 1]);
                    out[q] = in[at < 2 ? p + at : p + w + at - 2];
                } else {
                    int a = s.argmax(in, c, y, x), r = a - c * h * w;
                    out[q] = in[a];
                    at = (r / w - (y * st - pad)) * k + (r % w - (x * st - pad));
                }
                word |= at << (q % per * bits);
                if (q % per == per - 1 || q == end - 1) {
                    index[q / per] = word;
                    word = 0;
                }
                if (++x == ow) {
                    x = 0;
                    if (++y == oh) { y = 0; c++; }
                }
            }
        });
    }

    @Override
    public void maxPoolBackwardFromIndex(Buffer dInB, Buffer dOutB, Buffer indexB, PoolShape s) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), index = HeapBuffer.of(indexB);
        int oh = s.outH(), ow = s.outW(), h = s.h(), w = s.w(), k = s.k(), st = s.stride(), pad = s.pad();
        int bits = s.indexBits(), per = s.indexPerWord(), bitMask = (1 << bits) - 1;
        perChannel(s.c(), c -> {                       // a channel's windows only touch that channel
            for (int y = 0; y < oh; y++) {
                int q = (c * oh + y) * ow;
                for (int x = 0; x < ow; x++, q++) {
                    int at = ((int) index[q / per] >> (q % per * bits)) & bitMask;
                    int iy = y * st - pad + at / k, ix = x * st - pad + at % k;
                    dIn[(c * h + iy) * w + ix] += dOut[q];
                }
            }
        });
    }

    @Override
    public void avgPoolForward(Buffer outB, Buffer inB, PoolShape s) {
        s.requireFloor("average pooling");
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW(), k = s.k(), h = s.h(), w = s.w();
        perChannel(s.c(), c -> {
            for (int y = 0; y < oh; y++) {
                int y0 = y * s.stride() - s.pad(), yA = Math.max(0, y0), yB = Math.min(h, y0 + k);
                for (int x = 0; x < ow; x++) {
                    int x0 = x * s.stride() - s.pad(), xA = Math.max(0, x0), xB = Math.min(w, x0 + k);
                    double sum = 0;                              // the window clipped to the input; padding adds 0
                    for (int iy = yA; iy < yB; iy++)
                        for (int ix = xA; ix < xB; ix++) sum += in[(c * h + iy) * w + ix];
                    out[(c * oh + y) * ow + x] = (float) (sum / (k * k));
                }
            }
        });
    }

    @Override
    public void avgPoolBackward(Buffer dInB, Buffer dOutB, PoolShape s) {
        s.requireFloor("average pooling");
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        int oh = s.outH(), ow = s.outW(), k = s.k(), h = s.h(), w = s.w();
        float inv = 1f / (k * k);
        perChannel(s.c(), c -> {
            for (int y = 0; y < oh; y++) {
                int y0 = y * s.stride() - s.pad(), yA = Math.max(0, y0), yB = Math.min(h, y0 + k);
                for (int x = 0; x < ow; x++) {
                    int x0 = x * s.stride() - s.pad(), xA = Math.max(0, x0), xB = Math.min(w, x0 + k);
                    float g = dOut[(c * oh + y) * ow + x] * inv;
                    for (int iy = yA; iy < yB; iy++)
                        for (int ix = xA; ix < xB; ix++) dIn[(c * h + iy) * w + ix] += g;
                }
            }
        });
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemm(Buffer cB, Buffer aB, Buffer bB, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        written(cB);
        float[] c = HeapBuffer.of(cB), a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        // op(A)(i,p): A (m,k) row-major → strides (k, 1); Aᵀ stored (k,m) → (1, m). Likewise B.
        Gemm.gemm(pool, scratch, m, n, k, alpha,
                a, 0, transA ? 1 : k, transA ? m : 1,
                b, 0, transB ? 1 : n, transB ? k : 1,
                beta, c, 0, n, false);
    }

    @Override
    public void gram(Buffer gB, Buffer fB, int c, int hw, float scale) {
        written(gB);
        float[] g = HeapBuffer.of(gB), f = HeapBuffer.of(fB);
        if (Gram.applies(c, hw)) {                               // few channels, many positions: dot products
            Gram.gram(pool, scratch, g, f, c, hw, scale);
            return;
        }
        // G (c,c) = scale · F (c,hw) · Fᵀ: lower triangle only, then mirrored
        Gemm.gemm(pool, scratch, c, c, hw, scale, f, 0, hw, 1, f, 0, 1, hw, 0f, g, 0, c, true);
        for (int i = 0; i < c; i++)
            for (int j = i + 1; j < c; j++) g[i * c + j] = g[j * c + i];
    }

    private float[] gramSym = new float[0];      // (c, c) scratch: dG + dGᵀ

    @Override
    public void gramBackward(Buffer dFB, Buffer dGB, Buffer fB, int c, int hw, float scale) {
        written(dFB);
        float[] dF = HeapBuffer.of(dFB), dG = HeapBuffer.of(dGB), f = HeapBuffer.of(fB);
        if (gramSym.length < c * c) gramSym = new float[c * c];
        float[] sym = gramSym;                                   // (c, c)
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++) sym[i * c + j] = dG[i * c + j] + dG[j * c + i];
        // dF (c,hw) += scale · sym (c,c) · F (c,hw)
        Gemm.gemm(pool, scratch, c, hw, c, scale, sym, 0, c, 1, f, 0, hw, 1, 1f, dF, 0, hw, false);
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    public double sumSquaredDifference(Buffer aB, Buffer bB, int n) {
        float[] a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        DoubleVector acc = DoubleVector.zero(Vec.D);
        int j = 0;
        for (; j <= n - VL; j += VL) {
            FloatVector d = FloatVector.fromArray(F, a, j).sub(FloatVector.fromArray(F, b, j));
            for (int part = 0; part < VL / Vec.D.length(); part++) {
                DoubleVector dd = (DoubleVector) d.convertShape(VectorOperators.F2D, Vec.D, part);
                acc = dd.fma(dd, acc);
            }
        }
        double sum = Vec.sumLanes(acc);
        for (; j < n; j++) {
            double d = (double) a[j] - b[j];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public void addScaledDifference(Buffer outB, Buffer aB, Buffer bB, float scale, int n) {
        written(outB);
        float[] out = HeapBuffer.of(outB), a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        parallelRange(n, (from, to) -> {
            int j = from;
            for (; j <= to - VL; j += VL) {
                FloatVector d = FloatVector.fromArray(F, a, j).sub(FloatVector.fromArray(F, b, j));
                d.mul(scale).add(FloatVector.fromArray(F, out, j)).intoArray(out, j);
            }
            for (; j < to; j++) out[j] += scale * (a[j] - b[j]);
        });
    }

    @Override
    public void addScaled(Buffer outB, Buffer inB, float scale, int n) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        parallelRange(n, (from, to) -> {
            int j = from;
            for (; j <= to - VL; j += VL)
                FloatVector.fromArray(F, in, j).mul(scale).add(FloatVector.fromArray(F, out, j)).intoArray(out, j);
            for (; j < to; j++) out[j] += scale * in[j];
        });
    }

    @Override
    public double sumAbs(Buffer aB, int n) {
        float[] a = HeapBuffer.of(aB);
        DoubleVector acc = DoubleVector.zero(Vec.D);
        int j = 0;
        for (; j <= n - VL; j += VL) {
            FloatVector v = FloatVector.fromArray(F, a, j).abs();
            for (int part = 0; part < VL / Vec.D.length(); part++)
                acc = acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, Vec.D, part));
        }
        double sum = Vec.sumLanes(acc);
        for (; j < n; j++) sum += Math.abs(a[j]);
        return sum;
    }

    @Override
    public void close() {
        pool.close();
        prepared.clear();
    }

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)

    /** Upsampling's lane doubling: lane i of the first (second) output vector is lane i/2 (VL/2 + i/2) of the input. */
    private static final VectorShuffle<Float> DOUBLE_LOW = VectorShuffle.fromOp(F, i -> i / 2),
            DOUBLE_HIGH = VectorShuffle.fromOp(F, i -> VL / 2 + i / 2);
    /** The even (odd) lanes of two consecutive vectors a, b: index 2i ≥ VL wraps to b in {@code a.rearrange(s, b)}. */
    private static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.fromOp(F, i -> 2 * i),
            ODD_LANES = VectorShuffle.fromOp(F, i -> 2 * i + 1);

    /**
     * Each padded row is its source row (a block copy: no arithmetic for the Vector API to do, and arraycopy is
     * already vectorised by the JIT) with p mirrored values on either side.
     */
    @Override
    public void reflectionPadForward(Buffer outB, Buffer inB, PadShape s) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int h = s.h(), w = s.w(), p = s.pad(), oh = s.outH(), ow = s.outW();
        perChannel(s.c(), c -> {
            for (int y = 0; y < oh; y++) {
                int src = (c * h + PadShape.reflect(y - p, h)) * w, dst = (c * oh + y) * ow;
                System.arraycopy(in, src, out, dst + p, w);
                for (int x = 0; x < p; x++) {
                    out[dst + x] = in[src + p - x];                 // reflect(x − p) = p − x
                    out[dst + p + w + x] = in[src + w - 2 - x];     // reflect(w + x) = w − 2 − x
                }
            }
        });
    }

    /** Forward's mapping in reverse: the row's middle is a vector add, the mirrored edges scalar. One task per channel. */
    @Override
    public void reflectionPadBackward(Buffer dInB, Buffer dOutB, PadShape s) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        int h = s.h(), w = s.w(), p = s.pad(), oh = s.outH(), ow = s.outW();
        perChannel(s.c(), c -> {
            for (int y = 0; y < oh; y++) {
                int src = (c * h + PadShape.reflect(y - p, h)) * w, dst = (c * oh + y) * ow;
                addInto(dIn, src, dOut, dst + p, w);
                for (int x = 0; x < p; x++) {
                    dIn[src + p - x] += dOut[dst + x];
                    dIn[src + w - 2 - x] += dOut[dst + p + w + x];
                }
            }
        });
    }

    /** dst[d + j] += src[s + j] for j < n. */
    private static void addInto(float[] dst, int d, float[] src, int s, int n) {
        int j = 0;
        for (; j <= n - VL; j += VL)
            FloatVector.fromArray(F, dst, d + j).add(FloatVector.fromArray(F, src, s + j)).intoArray(dst, d + j);
        for (; j < n; j++) dst[d + j] += src[s + j];
    }

    /** Each input row becomes an even output row with every lane doubled (two shuffles); the odd row copies it. */
    @Override
    public void upsampleNearest2xForward(Buffer outB, Buffer inB, int c, int h, int w) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int ow = 2 * w;
        perChannel(c, ch -> {
            for (int y = 0; y < h; y++) {
                int src = (ch * h + y) * w, row = (ch * 2 * h + 2 * y) * ow;
                int x = 0;
                for (; x <= w - VL; x += VL) {
                    FloatVector v = FloatVector.fromArray(F, in, src + x);
                    v.rearrange(DOUBLE_LOW).intoArray(out, row + 2 * x);
                    v.rearrange(DOUBLE_HIGH).intoArray(out, row + 2 * x + VL);
                }
                for (; x < w; x++) out[row + 2 * x] = out[row + 2 * x + 1] = in[src + x];
                System.arraycopy(out, row, out, row + ow, ow);
            }
        });
    }

    /** The two output rows of an input row are added as vectors, then adjacent lanes pairwise (even + odd lanes). */
    @Override
    public void upsampleNearest2xBackward(Buffer dInB, Buffer dOutB, int c, int h, int w) {
        written(dInB);
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        int ow = 2 * w;
        perChannel(c, ch -> {
            for (int y = 0; y < h; y++) {
                int dst = (ch * h + y) * w, r0 = (ch * 2 * h + 2 * y) * ow, r1 = r0 + ow;
                int x = 0;
                for (; x <= w - VL; x += VL) {
                    FloatVector a = FloatVector.fromArray(F, dOut, r0 + 2 * x).add(FloatVector.fromArray(F, dOut, r1 + 2 * x));
                    FloatVector b = FloatVector.fromArray(F, dOut, r0 + 2 * x + VL).add(FloatVector.fromArray(F, dOut, r1 + 2 * x + VL));
                    a.rearrange(EVEN_LANES, b).add(a.rearrange(ODD_LANES, b))
                            .add(FloatVector.fromArray(F, dIn, dst + x)).intoArray(dIn, dst + x);
                }
                for (; x < w; x++)
                    dIn[dst + x] += (dOut[r0 + 2 * x] + dOut[r1 + 2 * x]) + (dOut[r0 + 2 * x + 1] + dOut[r1 + 2 * x + 1]);
            }
        });
    }

    /** Two passes per channel (the mean, then the squared deviations from it), both accumulated in double lanes. */
    @Override
    public void channelMeanStd(Buffer outB, Buffer inB, int c, int hw, float eps) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        perChannel(c, ch -> {
            double mean = sum(in, ch * hw, hw) / hw;
            out[ch] = (float) mean;
            out[c + ch] = (float) Math.sqrt(squaredDeviations(in, ch * hw, hw, mean) / (hw - 1) + eps);
        });
    }

    @Override
    public void channelAffine(Buffer outB, Buffer inB, Buffer coeffsB, int c, int hw) {
        written(outB);
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB), coeffs = HeapBuffer.of(coeffsB);
        perChannel(c, ch -> {
            float a = coeffs[ch], b = coeffs[c + ch];
            int j = ch * hw, end = j + hw;
            for (; j <= end - VL; j += VL) FloatVector.fromArray(F, in, j).fma(a, b).intoArray(out, j);
            for (; j < end; j++) out[j] = Math.fma(a, in[j], b);
        });
    }

    /** Σ_{j<n} a[from + j] in double lanes, summed in lane order. */
    private static double sum(float[] a, int from, int n) {
        DoubleVector acc = DoubleVector.zero(Vec.D);
        int j = 0;
        for (; j <= n - VL; j += VL) {
            FloatVector v = FloatVector.fromArray(F, a, from + j);
            for (int part = 0; part < VL / Vec.D.length(); part++)
                acc = acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, Vec.D, part));
        }
        double sum = Vec.sumLanes(acc);
        for (; j < n; j++) sum += a[from + j];
        return sum;
    }

    /** Σ_{j<n} (a[from + j] − mean)², in double lanes. */
    private static double squaredDeviations(float[] a, int from, int n, double mean) {
        DoubleVector acc = DoubleVector.zero(Vec.D), m = DoubleVector.broadcast(Vec.D, mean);
        int j = 0;
        for (; j <= n - VL; j += VL) {
            FloatVector v = FloatVector.fromArray(F, a, from + j);
            for (int part = 0; part < VL / Vec.D.length(); part++) {
                DoubleVector d = ((DoubleVector) v.convertShape(VectorOperators.F2D, Vec.D, part)).sub(m);
                acc = d.fma(d, acc);
            }
        }
        double sum = Vec.sumLanes(acc);
        for (; j < n; j++) {
            double d = a[from + j] - mean;
            sum += d * d;
        }
        return sum;
    }

    /** ServiceLoader entry: "simd", above scalar, below accelerators. */
    public static final class Provider implements BackendProvider {
        @Override public String name() { return "simd"; }
        @Override public int priority() { return 100; }

        @Override public String unavailableReason() {
            return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? null
                    : "the JVM was started without --add-modules jdk.incubator.vector";
        }

        @Override public Backend create(String device, int threads) { return new SimdBackend(threads); }
    }
}
