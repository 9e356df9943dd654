package nst.kernels;

/**
 * The numeric contract every backend implements (docs/DESIGN.md, "The Backend contract").
 * Signatures in the llm.c manner: outputs first, then inputs, then sizes. Forward ops overwrite
 * their outputs; backward ops accumulate into theirs ({@code +=}); {@link #zero} clears.
 * All tensors are single images in (C, H, W) order, row-major. Leaves out batching, dtypes other
 * than float32, and anything the style-transfer algorithm does not use.
 *
 * <p>A backend is not thread-safe: one optimisation drives it from one thread (it may use its own
 * worker threads inside an op). Two transfers in one JVM use two backend instances.
 */
public interface Backend extends AutoCloseable {

    /** Short name used by {@code --backend} (scalar, simd, opencl). */
    String name();

    /** One line for logs: the name plus threads, vector width or device. */
    String description();

    /** Where a backend keeps its tensors. */
    enum Memory {
        /** Java arrays: the heap bounds a run, so the engine checks its memory estimate against it first. */
        JAVA_HEAP,
        /** Device memory (or memory the backend manages itself): the heap holds only the image and the optimiser. */
        DEVICE
    }

    /** Where this backend's buffers live. A backend that does not say is treated as {@link Memory#DEVICE} (not checked). */
    default Memory memory() { return Memory.DEVICE; }

    // ---------------------------------------------------------------- storage

    /** A new zero-filled buffer of {@code length} floats owned by this backend. */
    Buffer allocate(int length);

    /** Copies {@code src[0..length)} into {@code dst[0..length)}. */
    void upload(Buffer dst, float[] src);

    /** Copies {@code src[0..length)} into {@code dst[0..length)}. */
    void download(float[] dst, Buffer src);

    /** dst[0..n) := 0; the rest of dst keeps its contents. */
    void zero(Buffer dst, int n);

    /** dst := 0. */
    default void zero(Buffer dst) { zero(dst, dst.length()); }

    /** dst := src (same length). */
    void copy(Buffer dst, Buffer src);

    // ---------------------------------------------------------------- convolution

    /**
     * out[o,y,x] := bias[o] + Σ_{i,ky,kx} weight[o,i,ky,kx] · in[i, y·sh−ph+ky, x·sw−pw+kx]
     * (zero outside the input). out (outC,outH,outW), in (inC,inH,inW), weight (outC,inC,kH,kW),
     * bias (outC) or null.
     */
    void conv2dForward(Buffer out, Buffer in, Buffer weight, Buffer bias, ConvShape s);

    /**
     * Gradient w.r.t. the input: dIn[i,iy,ix] += Σ_{o,ky,kx} weight[o,i,ky,kx] · dOut[o,y,x]
     * over all (y,x,ky,kx) with iy = y·sh−ph+ky, ix = x·sw−pw+kx.
     */
    void conv2dBackwardData(Buffer dIn, Buffer dOut, Buffer weight, ConvShape s);

    /**
     * Gradient w.r.t. the parameters: dWeight[o,i,ky,kx] += Σ_{y,x} dOut[o,y,x] · in[i,y·sh−ph+ky,x·sw−pw+kx],
     * dBias[o] += Σ_{y,x} dOut[o,y,x] (dBias may be null). Style transfer never calls this.
     */
    void conv2dBackwardWeights(Buffer dWeight, Buffer dBias, Buffer dOut, Buffer in, ConvShape s);

    // ---------------------------------------------------------------- activations and pooling

    /** out[j] := max(in[j], 0) for j < n; out may be in. */
    void reluForward(Buffer out, Buffer in, int n);

    /** dIn[j] += dOut[j] where out[j] > 0 (out is the ReLU's output, kept by forward). */
    void reluBackward(Buffer dIn, Buffer dOut, Buffer out, int n);

    /**
     * out[c,y,x] := max_{ky,kx<k} in[c, y·stride−pad+ky, x·stride−pad+kx], padding counting as −∞ (it never
     * wins, as in PyTorch's max_pool2d). In ceil mode ({@link PoolShape#ceil()}, AdaIN's encoder) the last row and
     * column of windows may hang over the bottom/right edge; the part outside the input is padding too.
     */
    void maxPoolForward(Buffer out, Buffer in, PoolShape s);

    /**
     * dIn[argmax] += dOut[c,y,x], the argmax being the first maximum of the window's input positions in
     * row-major order ({@link PoolShape#argmax}), recomputed from {@code in} (the pool's input, kept by
     * forward). Matches PyTorch.
     */
    void maxPoolBackward(Buffer dIn, Buffer dOut, Buffer in, PoolShape s);

    // Compact forms for the backward pass (issue 18). Style transfer needs gradients for the image only, so a plan
    // keeps, of an untapped ReLU, one flag per element, and of a max pooling, the argmax's place in each window,
    // instead of the float tensors. Both are packed into ordinary float buffers as "words": each element is an exact
    // integer in [0, 2^16) (exact in float32, never NaN, so every backend stores and moves it like any float),
    // holding 16 bits. Mask element j is bit j % 16 of word j / 16 ({@link #maskLength}); a pooling's index of window
    // q = (c·outH + y)·outW + x takes {@link PoolShape#indexBits} bits at bit (q % per word)·bits of word q / per
    // word ({@link PoolShape#indexLength}); the index is ky·k + kx within the window.

    /** Floats a ReLU mask of n elements takes: ⌈n / 16⌉. */
    static int maskLength(int n) { return (n + 15) >>> 4; }

    /**
     * out[j] := max(in[j], 0) for j < n (out may be in), and mask bit j := out[j] > 0 (NaN: 0). Writes mask words
     * 0..maskLength(n) whole (bits past n are 0).
     */
    void reluForwardWithMask(Buffer out, Buffer mask, Buffer in, int n);

    /** dIn[j] += dOut[j] where mask bit j is set (the mask {@link #reluForwardWithMask} wrote): {@link #reluBackward} without the output. */
    void reluBackwardFromMask(Buffer dIn, Buffer dOut, Buffer mask, int n);

    /**
     * {@link #maxPoolForward}, also writing each window's argmax ({@link PoolShape#argmax}: first maximum, NaN
     * winning) as ky·k + kx into index ({@link PoolShape#indexLength} words, written whole).
     */
    void maxPoolForwardWithIndex(Buffer out, Buffer index, Buffer in, PoolShape s);

    /** dIn[window (y, x)'s argmax] += dOut[c,y,x], the argmax read from index: {@link #maxPoolBackward} without the input. */
    void maxPoolBackwardFromIndex(Buffer dIn, Buffer dOut, Buffer index, PoolShape s);

    /**
     * out[c,y,x] := (1/k²) Σ_{ky,kx<k} in[c, y·stride−pad+ky, x·stride−pad+kx], padding counting as 0 and
     * still in the divisor (PyTorch's avg_pool2d default, count_include_pad=True). Floor mode only: a ceil-mode
     * shape is an {@link IllegalArgumentException}.
     */
    void avgPoolForward(Buffer out, Buffer in, PoolShape s);

    /** dIn[c,iy,ix] += dOut[c,y,x] / k² for every window (y, x) that covers input position (iy, ix). */
    void avgPoolBackward(Buffer dIn, Buffer dOut, PoolShape s);

    // ---------------------------------------------------------------- matrix products

    /**
     * C := alpha · op(A) · op(B) + beta · C, with C (m,n), op(A) (m,k), op(B) (k,n), row-major;
     * op(A) = Aᵀ when transA (A stored (k,m)), likewise B. beta = 0 ignores C's old contents.
     */
    void gemm(Buffer c, Buffer a, Buffer b, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta);

    /** Gram matrix: G := scale · F Fᵀ with F (c, hw), G (c, c). */
    void gram(Buffer g, Buffer f, int c, int hw, float scale);

    /** Gram backward: dF += scale · (dG + dGᵀ) · F with dG (c, c), F and dF (c, hw). */
    void gramBackward(Buffer dF, Buffer dG, Buffer f, int c, int hw, float scale);

    // ---------------------------------------------------------------- elementwise and reductions (losses)

    /** Σ_{j<n} (a[j] − b[j])², accumulated in double. */
    double sumSquaredDifference(Buffer a, Buffer b, int n);

    /** out[j] += scale · (a[j] − b[j]) for j < n. */
    void addScaledDifference(Buffer out, Buffer a, Buffer b, float scale, int n);

    /**
     * out[j] += scale · in[j] for j < n. With scale 1 this is also a residual network's add, in place
     * (the block's last conv output += the shortcut), and its backward (dShortcut += dSum).
     */
    void addScaled(Buffer out, Buffer in, float scale, int n);

    /** Σ_{j<n} |a[j]|, accumulated in double. */
    double sumAbs(Buffer a, int n);

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)
    //
    // The AdaIN networks (issue 15) pad by reflection before every 3×3 convolution, upsample by nearest neighbour in
    // the decoder, and normalise features with per-channel statistics. Reflection padding is an op of its own, not a
    // padding mode of conv2d: the padded tensor then goes through the ordinary convolution with padding 0, so every
    // fast convolution path (implicit GEMM, Winograd, the tiled OpenCL kernel) stays untouched and needs no
    // second set of boundary rules; the price is one extra (C, H+2p, W+2p) buffer per layer and a copy.

    /**
     * Reflection padding (PyTorch's {@code ReflectionPad2d}): out[c,y,x] := in[c, r(y − p, h), r(x − p, w)]
     * with r(i, n) = −i for i &lt; 0, 2(n − 1) − i for i ≥ n, else i (the edge itself is not repeated).
     * out (c, h+2p, w+2p), in (c, h, w); {@link PadShape} guarantees p &lt; h and p &lt; w.
     */
    void reflectionPadForward(Buffer out, Buffer in, PadShape s);

    /** Its adjoint: dIn[c, r(y − p, h), r(x − p, w)] += dOut[c,y,x] for every (y, x) of the padded tensor. */
    void reflectionPadBackward(Buffer dIn, Buffer dOut, PadShape s);

    /** Nearest-neighbour ×2 upsampling: out[ch,y,x] := in[ch, ⌊y/2⌋, ⌊x/2⌋]; out (c, 2h, 2w), in (c, h, w). */
    void upsampleNearest2xForward(Buffer out, Buffer in, int c, int h, int w);

    /** Its adjoint: dIn[ch,y,x] += Σ_{a,b ∈ {0,1}} dOut[ch, 2y+a, 2x+b] (the 2×2 block it was copied to). */
    void upsampleNearest2xBackward(Buffer dIn, Buffer dOut, int c, int h, int w);

    /**
     * Per-channel statistics of in (c, hw) as AdaIN's public code computes them: out[ch] := μ = Σ_j in[ch,j] / hw,
     * out[c + ch] := √(Σ_j (in[ch,j] − μ)² / (hw − 1) + eps) (unbiased variance, eps inside the root).
     * out has 2c floats. hw = 1 gives NaN (0/0), as PyTorch's unbiased variance does; callers reject it.
     */
    void channelMeanStd(Buffer out, Buffer in, int c, int hw, float eps);

    /**
     * Per-channel affine map: out[ch,j] := coeffs[ch] · in[ch,j] + coeffs[c + ch] for j &lt; hw; out may be in.
     * coeffs has 2c floats, laid out like {@link #channelMeanStd}'s output. AdaIN, its α blend with the content and
     * a blend of several styles are all this map, its 2c coefficients computed on the host from the statistics.
     */
    void channelAffine(Buffer out, Buffer in, Buffer coeffs, int c, int hw);

    /** Releases worker threads and device memory. */
    @Override
    default void close() {}
}
