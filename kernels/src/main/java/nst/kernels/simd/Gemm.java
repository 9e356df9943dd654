package nst.kernels.simd;

import jdk.incubator.vector.FloatVector;

import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.MR;
import static nst.kernels.simd.Vec.NR;
import static nst.kernels.simd.Vec.VL;

/**
 * Blocked single-precision GEMM in the BLIS manner: A packed into MR-row panels, B into NR-column panels,
 * a register-blocked FMA micro-kernel (MR × 2 vectors of accumulators) over a KC-deep slice. The packing
 * takes any row/column strides, so every transposition is the same code. Also used by the convolutions,
 * which pack their own panels. Leaves out prefetching and assembly-level scheduling (the JIT does that).
 */
final class Gemm {
    private Gemm() {}

    /** Depth of one packed slice: an A panel (MR × KC) and a B panel (KC × NR) stay in L1/L2 while used. */
    static final int KC = 256;
    /** Rows of A packed at a time (a multiple of MR): MC × KC floats, 64 KiB with MR = 4. */
    static final int MC = MR * 16;
    /** Columns of C per task at most (a multiple of NR): the packed B block KC × NB is 256 KiB at 256 bits. */
    static final int NB = NR * 16;

    // ---------------------------------------------------------------- packing

    /**
     * Packs rows [i0, i0+m) × depth [p0, p0+kc) of a strided matrix A (element (i,p) at a[ao + i·rs + p·cs])
     * into MR-row panels: dst[(panel·kc + p)·MR + r] = alpha·A(i0 + panel·MR + r, p0 + p), zero past row m.
     */
    static void packA(float[] dst, float[] a, int ao, int rs, int cs, int i0, int m, int p0, int kc, float alpha) {
        for (int panel = 0; panel * MR < m; panel++) {
            int base = panel * kc * MR;
            int rows = Math.min(MR, m - panel * MR);
            for (int r = 0; r < MR; r++) {
                if (r >= rows) {
                    for (int p = 0; p < kc; p++) dst[base + p * MR + r] = 0f;
                    continue;
                }
                int src = ao + (i0 + panel * MR + r) * rs + p0 * cs;
                for (int p = 0; p < kc; p++) dst[base + p * MR + r] = alpha * a[src + p * cs];
            }
        }
    }

    /**
     * Packs depth [p0, p0+kc) × columns [j0, j0+n) of a strided matrix B (element (p,j) at b[bo + p·rs + j·cs])
     * into NR-column panels: dst[(panel·kc + p)·NR + l] = B(p0 + p, j0 + panel·NR + l), zero past column n.
     */
    static void packB(float[] dst, float[] b, int bo, int rs, int cs, int p0, int kc, int j0, int n) {
        for (int panel = 0; panel * NR < n; panel++) {
            int base = panel * kc * NR;
            int cols = Math.min(NR, n - panel * NR);
            int src0 = bo + p0 * rs + (j0 + panel * NR) * cs;
            if (cs == 1 && cols == NR) {
                for (int p = 0; p < kc; p++) {
                    int s = src0 + p * rs, d = base + p * NR;
                    FloatVector.fromArray(F, b, s).intoArray(dst, d);
                    FloatVector.fromArray(F, b, s + VL).intoArray(dst, d + VL);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int s = src0 + p * rs, d = base + p * NR;
                    for (int l = 0; l < cols; l++) dst[d + l] = b[s + l * cs];
                    for (int l = cols; l < NR; l++) dst[d + l] = 0f;
                }
            }
        }
    }

    // ---------------------------------------------------------------- micro-kernel

    /**
     * C tile += A panel · B panel over kc steps of packed A (at ao) and packed B (at bo); C at co with row stride
     * ldc. Only mr × nr of the tile is valid: a ragged tile is computed into {@code tmp} (MR, NR) and added
     * from there. The vector kernels have a single accumulate-store path on purpose: with a second (overwrite)
     * path C2 hits its inlining node limit, stops inlining the Vector API calls and boxes every vector
     * (measured 8x slower). Callers that overwrite pre-fill C (bias, zero, beta·C) instead.
     */
    static void kernel(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, int mr, int nr, float[] tmp) {
        if (mr == MR && nr == NR) {
            full(kc, a, ao, b, bo, c, co, ldc);
            return;
        }
        java.util.Arrays.fill(tmp, 0f);
        full(kc, a, ao, b, bo, tmp, 0, NR);
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++) c[co + i * ldc + j] += tmp[i * NR + j];
    }

    private static void full(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        if (MR == 8) kernel8(kc, a, ao, b, bo, c, co, ldc);
        else if (MR == 6) kernel6(kc, a, ao, b, bo, c, co, ldc);
        else kernel4(kc, a, ao, b, bo, c, co, ldc);
    }

    /** The 8×2-vector micro-kernel: C tile (8, NR) += Σ_p A[p][0..8) ⊗ B[p][0..NR). */
    private static void kernel8(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ap = ao + p * 8, bp = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bp), b1 = FloatVector.fromArray(F, b, bp + VL);
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 0]); c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 1]); c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 2]); c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 3]); c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 4]); c40 = ai.fma(b0, c40); c41 = ai.fma(b1, c41); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 5]); c50 = ai.fma(b0, c50); c51 = ai.fma(b1, c51); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 6]); c60 = ai.fma(b0, c60); c61 = ai.fma(b1, c61); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 7]); c70 = ai.fma(b0, c70); c71 = ai.fma(b1, c71); }
        }
        c00.add(FloatVector.fromArray(F, c, co + 0 * ldc)).intoArray(c, co + 0 * ldc);
        c01.add(FloatVector.fromArray(F, c, co + 0 * ldc + VL)).intoArray(c, co + 0 * ldc + VL);
        c10.add(FloatVector.fromArray(F, c, co + 1 * ldc)).intoArray(c, co + 1 * ldc);
        c11.add(FloatVector.fromArray(F, c, co + 1 * ldc + VL)).intoArray(c, co + 1 * ldc + VL);
        c20.add(FloatVector.fromArray(F, c, co + 2 * ldc)).intoArray(c, co + 2 * ldc);
        c21.add(FloatVector.fromArray(F, c, co + 2 * ldc + VL)).intoArray(c, co + 2 * ldc + VL);
        c30.add(FloatVector.fromArray(F, c, co + 3 * ldc)).intoArray(c, co + 3 * ldc);
        c31.add(FloatVector.fromArray(F, c, co + 3 * ldc + VL)).intoArray(c, co + 3 * ldc + VL);
        c40.add(FloatVector.fromArray(F, c, co + 4 * ldc)).intoArray(c, co + 4 * ldc);
        c41.add(FloatVector.fromArray(F, c, co + 4 * ldc + VL)).intoArray(c, co + 4 * ldc + VL);
        c50.add(FloatVector.fromArray(F, c, co + 5 * ldc)).intoArray(c, co + 5 * ldc);
        c51.add(FloatVector.fromArray(F, c, co + 5 * ldc + VL)).intoArray(c, co + 5 * ldc + VL);
        c60.add(FloatVector.fromArray(F, c, co + 6 * ldc)).intoArray(c, co + 6 * ldc);
        c61.add(FloatVector.fromArray(F, c, co + 6 * ldc + VL)).intoArray(c, co + 6 * ldc + VL);
        c70.add(FloatVector.fromArray(F, c, co + 7 * ldc)).intoArray(c, co + 7 * ldc);
        c71.add(FloatVector.fromArray(F, c, co + 7 * ldc + VL)).intoArray(c, co + 7 * ldc + VL);
    }

    /** The 4×2-vector micro-kernel: C tile (4, NR) += Σ_p A[p][0..4) ⊗ B[p][0..NR). */
    private static void kernel4(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ap = ao + p * 4, bp = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bp), b1 = FloatVector.fromArray(F, b, bp + VL);
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 0]); c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 1]); c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 2]); c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 3]); c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31); }
        }
        c00.add(FloatVector.fromArray(F, c, co + 0 * ldc)).intoArray(c, co + 0 * ldc);
        c01.add(FloatVector.fromArray(F, c, co + 0 * ldc + VL)).intoArray(c, co + 0 * ldc + VL);
        c10.add(FloatVector.fromArray(F, c, co + 1 * ldc)).intoArray(c, co + 1 * ldc);
        c11.add(FloatVector.fromArray(F, c, co + 1 * ldc + VL)).intoArray(c, co + 1 * ldc + VL);
        c20.add(FloatVector.fromArray(F, c, co + 2 * ldc)).intoArray(c, co + 2 * ldc);
        c21.add(FloatVector.fromArray(F, c, co + 2 * ldc + VL)).intoArray(c, co + 2 * ldc + VL);
        c30.add(FloatVector.fromArray(F, c, co + 3 * ldc)).intoArray(c, co + 3 * ldc);
        c31.add(FloatVector.fromArray(F, c, co + 3 * ldc + VL)).intoArray(c, co + 3 * ldc + VL);
    }

    /** The 6×2-vector micro-kernel: C tile (6, NR) += Σ_p A[p][0..6) ⊗ B[p][0..NR). */
    private static void kernel6(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ap = ao + p * 6, bp = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bp), b1 = FloatVector.fromArray(F, b, bp + VL);
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 0]); c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 1]); c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 2]); c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 3]); c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 4]); c40 = ai.fma(b0, c40); c41 = ai.fma(b1, c41); }
            { FloatVector ai = FloatVector.broadcast(F, a[ap + 5]); c50 = ai.fma(b0, c50); c51 = ai.fma(b1, c51); }
        }
        c00.add(FloatVector.fromArray(F, c, co + 0 * ldc)).intoArray(c, co + 0 * ldc);
        c01.add(FloatVector.fromArray(F, c, co + 0 * ldc + VL)).intoArray(c, co + 0 * ldc + VL);
        c10.add(FloatVector.fromArray(F, c, co + 1 * ldc)).intoArray(c, co + 1 * ldc);
        c11.add(FloatVector.fromArray(F, c, co + 1 * ldc + VL)).intoArray(c, co + 1 * ldc + VL);
        c20.add(FloatVector.fromArray(F, c, co + 2 * ldc)).intoArray(c, co + 2 * ldc);
        c21.add(FloatVector.fromArray(F, c, co + 2 * ldc + VL)).intoArray(c, co + 2 * ldc + VL);
        c30.add(FloatVector.fromArray(F, c, co + 3 * ldc)).intoArray(c, co + 3 * ldc);
        c31.add(FloatVector.fromArray(F, c, co + 3 * ldc + VL)).intoArray(c, co + 3 * ldc + VL);
        c40.add(FloatVector.fromArray(F, c, co + 4 * ldc)).intoArray(c, co + 4 * ldc);
        c41.add(FloatVector.fromArray(F, c, co + 4 * ldc + VL)).intoArray(c, co + 4 * ldc + VL);
        c50.add(FloatVector.fromArray(F, c, co + 5 * ldc)).intoArray(c, co + 5 * ldc);
        c51.add(FloatVector.fromArray(F, c, co + 5 * ldc + VL)).intoArray(c, co + 5 * ldc + VL);
    }

    // ---------------------------------------------------------------- driver

    /**
     * C := alpha · A · B + beta · C on the pool, C (m, n) at c[co + i·ldc + j], A (m, k) with strides (ars, acs),
     * B (k, n) with strides (brs, bcs). With {@code lower}, only tiles touching the lower triangle (j ≤ i) are
     * computed (a symmetric result; the caller mirrors it). Each task owns one block of C (see the body).
     */
    static void gemm(WorkerPool pool, Scratch[] scratch, int m, int n, int k, float alpha,
                     float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                     float beta, float[] c, int co, int ldc, boolean lower) {
        if (m <= 0 || n <= 0) return;
        if (k > 0 && k <= KC && !lower && (long) ceil(m, MR) * MR * k <= SHARED_A_MAX) {
            gemmSharedA(pool, scratch, m, n, k, alpha, a, ao, ars, acs, b, bo, brs, bcs, beta, c, co, ldc);
            return;
        }
        // Tasks own (MB × NB) blocks of C; inside, per KC slice, the B block (KC × NB, L2) is packed once and the A
        // rows are packed MC at a time for it. MB starts at all of m and halves (never below MC) until every thread
        // has about three tasks, then NB shrinks: A is packed n/NB times, B m/MB times.
        int threads = pool.size();
        int mb0 = ceil(m, MC) * MC, nb0 = NB;
        while (mb0 > MC && ceil(m, mb0) * ceil(n, nb0) < 3 * threads) mb0 = ceil(ceil(mb0, 2), MC) * MC;
        while (nb0 > NR && ceil(m, mb0) * ceil(n, nb0) < 3 * threads) nb0 -= NR;
        final int fmb = mb0, fnb = nb0, rowBlocks = ceil(m, mb0), colBlocks = ceil(n, nb0);
        pool.run(rowBlocks * colBlocks, (worker, task) -> {
            int i0 = (task / colBlocks) * fmb, j0 = (task % colBlocks) * fnb;
            int mb = Math.min(fmb, m - i0), nb = Math.min(fnb, n - j0);
            if (lower && j0 > i0 + mb - 1) return;
            Scratch s = scratch[worker];
            scale(c, co + i0 * ldc + j0, ldc, mb, nb, beta);
            if (k <= 0) return;
            float[] pa = s.packA(MC * Math.min(KC, k));                        // (MC/MR panels, kc, MR)
            float[] pb = s.packB(ceil(nb, NR) * NR * Math.min(KC, k));       // (nb/NR panels, kc, NR)
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                packB(pb, b, bo, brs, bcs, p0, kc, j0, nb);
                for (int ic = 0; ic < mb; ic += MC) {
                    int mcb = Math.min(MC, mb - ic), r0 = i0 + ic;
                    if (lower && j0 > r0 + mcb - 1) continue;                  // this row block is above the diagonal
                    packA(pa, a, ao, ars, acs, r0, mcb, p0, kc, alpha);
                    for (int jr = 0; jr < nb; jr += NR) {                      // one B panel (L1) against MC/MR A panels
                        for (int ir = 0; ir < mcb; ir += MR) {
                            if (lower && j0 + jr > r0 + ir + MR - 1) continue;   // tile wholly above the diagonal
                            kernel(kc, pa, (ir / MR) * kc * MR, pb, (jr / NR) * kc * NR,
                                    c, co + (r0 + ir) * ldc + j0 + jr, ldc,
                                    Math.min(MR, mcb - ir), Math.min(NR, nb - jr), s.tile);
                        }
                    }
                }
            }
        });
    }

    /** Largest A (packed floats) {@link #gemmSharedA} packs once for all tasks: 256 KiB. */
    static final int SHARED_A_MAX = 1 << 16;

    /**
     * The short, wide case (k ≤ KC, A small: Gram backward's (C, C)·(C, HW) with C ≤ 256): A is packed once by
     * the caller and shared read-only; each task owns a column block of C over all m rows, so each column of B
     * is packed and read once (the general driver packs A per task and B once per row block).
     */
    private static void gemmSharedA(WorkerPool pool, Scratch[] scratch, int m, int n, int k, float alpha,
                                    float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                                    float beta, float[] c, int co, int ldc) {
        float[] pa = scratch[0].shared(ceil(m, MR) * MR * k);              // (m/MR panels, k, MR)
        packA(pa, a, ao, ars, acs, 0, m, 0, k, alpha);
        // Wide column blocks (B block ≈ 256 KiB, L2): every row of B and C is a separate memory stream, and runs of
        // 512 B per row left the prefetchers behind on 64 MiB operands (64 × 262144: 24 GFLOP/s vs 67 in cache).
        int nc = Math.max(NR, SHARED_A_MAX / k / NR * NR), threads = pool.size();
        while (nc > NR && ceil(n, nc) < 3 * threads) nc -= NR;
        int colBlocks = ceil(n, nc);
        final int fnc = nc;
        pool.run(colBlocks, (worker, task) -> {
            int j0 = task * fnc, nb = Math.min(fnc, n - j0);
            Scratch s = scratch[worker];
            scale(c, co + j0, ldc, m, nb, beta);
            float[] pb = s.packB(ceil(nb, NR) * NR * k);                     // (nb/NR panels, k, NR)
            packB(pb, b, bo, brs, bcs, 0, k, j0, nb);
            for (int ir = 0; ir < m; ir += MR)                               // C row panel by row panel: 4 streams
                for (int jr = 0; jr < nb; jr += NR)
                    kernel(k, pa, (ir / MR) * k * MR, pb, (jr / NR) * k * NR, c, co + ir * ldc + j0 + jr, ldc,
                            Math.min(MR, m - ir), Math.min(NR, nb - jr), s.tile);
        });
    }

    /** beta first: the rows × cols block of C at c[at + i·ldc + j] := beta · block (beta = 0 ignores old contents, NaN included). */
    private static void scale(float[] c, int at, int ldc, int rows, int cols, float beta) {
        if (beta == 1f) return;
        for (int i = 0; i < rows; i++) {
            int row = at + i * ldc;
            if (beta == 0f) java.util.Arrays.fill(c, row, row + cols, 0f);
            else for (int j = 0; j < cols; j++) c[row + j] *= beta;
        }
    }

    static int ceil(int a, int b) { return (a + b - 1) / b; }
}
