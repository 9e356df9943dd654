package nst.kernels.simd;

import jdk.incubator.vector.FloatVector;

import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.VL;

/**
 * Gram matrix G = scale · F Fᵀ of a layer with few channels and many positions (relu1_1: 64 × 262144 at
 * 512 px), as dot products along the contiguous position axis: no packing at all. The positions are split
 * into chunks; one task per thread ("slot") takes a fixed, contiguous range of chunks and computes, for every
 * 4 × 2 tile of the lower triangle, eight vector accumulators (six row loads, eight FMAs a step) added into the
 * slot's lane-wise partial sums (C, C, VL); the slots' partials are summed in slot order across lanes once at
 * the end, scaled, and mirrored. The partials belong to slots, not to whichever worker ran them, so the
 * summation order and the result are the same on every run with the same thread count (bit for bit).
 * Used for C ≤ {@link #MAX_CHANNELS}, where the GEMM formulation spends most of its time packing (each
 * packed element feeds only C/2 FLOPs); larger layers go through {@link Gemm#gemm} with {@code lower}.
 * Leaves out the backward pass (a plain GEMM).
 */
final class Gram {
    private Gram() {}

    /** Largest channel count for this path: the partials are C²·VL floats per slot (512 KiB at 128). */
    static final int MAX_CHANNELS = 128;
    /** Positions per task chunk: the chunk of all rows stays in L2 (64 rows × 1024 floats = 256 KiB). */
    private static final int CHUNK = 1024;
    private static final int TR = 4, TC = 2;

    static boolean applies(int c, int hw) {
        return c <= MAX_CHANNELS && hw >= 4 * CHUNK;
    }

    /** g (c, c) := scale · f (c, hw) · fᵀ. */
    static void gram(WorkerPool pool, Scratch[] scratch, float[] g, float[] f, int c, int hw, float scale) {
        int vhw = hw / VL * VL;                                  // vector part; the tail is added in scalar below
        int chunks = Gemm.ceil(vhw, CHUNK), slots = pool.size();
        for (int t = 0; t < slots; t++) java.util.Arrays.fill(scratch[t].gram(c * c * VL), 0, c * c * VL, 0f);
        pool.run(slots, (worker, slot) -> {
            float[] part = scratch[slot].gram(c * c * VL);       // (c, c, VL) the slot's lane-wise partial sums, lower triangle
            for (int chunk = slot * chunks / slots; chunk < (slot + 1) * chunks / slots; chunk++) {
                int p0 = chunk * CHUNK, p1 = Math.min(vhw, p0 + CHUNK);
                for (int i0 = 0; i0 < c; i0 += TR)
                    for (int j0 = 0; j0 <= Math.min(i0 + TR - 1, c - 1); j0 += TC) tile(f, hw, c, i0, j0, p0, p1, part);
            }
        });
        for (int i = 0; i < c; i++) {
            for (int j = 0; j <= i; j++) {
                FloatVector sum = FloatVector.zero(F);
                for (int t = 0; t < slots; t++) sum = sum.add(FloatVector.fromArray(F, scratch[t].gram(c * c * VL), (i * c + j) * VL));
                double s = Vec.sumLanes(sum);
                for (int p = vhw; p < hw; p++) s += (double) f[i * hw + p] * f[j * hw + p];
                g[i * c + j] = g[j * c + i] = (float) (scale * s);
            }
        }
    }

    /**
     * part[i, j, :] += Σ_{p ∈ [p0, p1) step VL} f[i, p..] ⊙ f[j, p..] for i ∈ [i0, i0+4), j ∈ [j0, j0+2), rows past
     * c clamped to c − 1 (computed, not stored).
     */
    private static void tile(float[] f, int hw, int c, int i0, int j0, int p0, int p1, float[] part) {
        int r0 = i0 * hw, r1 = Math.min(i0 + 1, c - 1) * hw, r2 = Math.min(i0 + 2, c - 1) * hw, r3 = Math.min(i0 + 3, c - 1) * hw;
        int s0 = j0 * hw, s1 = Math.min(j0 + 1, c - 1) * hw;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        for (int p = p0; p < p1; p += VL) {
            FloatVector y0 = FloatVector.fromArray(F, f, s0 + p), y1 = FloatVector.fromArray(F, f, s1 + p);
            FloatVector x = FloatVector.fromArray(F, f, r0 + p);
            a00 = x.fma(y0, a00); a01 = x.fma(y1, a01);
            x = FloatVector.fromArray(F, f, r1 + p);
            a10 = x.fma(y0, a10); a11 = x.fma(y1, a11);
            x = FloatVector.fromArray(F, f, r2 + p);
            a20 = x.fma(y0, a20); a21 = x.fma(y1, a21);
            x = FloatVector.fromArray(F, f, r3 + p);
            a30 = x.fma(y0, a30); a31 = x.fma(y1, a31);
        }
        add(part, c, i0, j0, a00); add(part, c, i0, j0 + 1, a01);
        add(part, c, i0 + 1, j0, a10); add(part, c, i0 + 1, j0 + 1, a11);
        add(part, c, i0 + 2, j0, a20); add(part, c, i0 + 2, j0 + 1, a21);
        add(part, c, i0 + 3, j0, a30); add(part, c, i0 + 3, j0 + 1, a31);
    }

    /** part[i, j, :] += v for an (i, j) inside the lower triangle of the c × c matrix. */
    private static void add(float[] part, int c, int i, int j, FloatVector v) {
        if (i >= c || j > i) return;
        int at = (i * c + j) * VL;
        v.add(FloatVector.fromArray(F, part, at)).intoArray(part, at);
    }
}
