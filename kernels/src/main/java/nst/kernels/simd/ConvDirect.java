package nst.kernels.simd;

import jdk.incubator.vector.FloatVector;
import nst.kernels.ConvShape;

import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.VL;

/**
 * Direct 3×3 stride-1 pad-1 convolution for at most {@link #MAX_OUT} output channels: the backward-data of
 * conv1_1 (64 gradient channels into the 3 image channels). Implicit GEMM is a poor fit there: its im2col
 * panel (I·9 rows) is packed for every pixel block and then used by only one micro-kernel row panel, so
 * packing costs as much as the arithmetic (measured 7 GFLOP/s at 512 px). Here each task takes output rows;
 * per row it copies the three input rows of every channel into zero-padded scratch rows, then for each
 * 2·VL-pixel chunk accumulates all (padded to 4) outputs in 8 vector registers over I·9 taps, each tap one
 * pair of unaligned loads, four weight broadcasts and eight FMAs. Leaves out other kernel sizes and strides.
 */
final class ConvDirect {
    private ConvDirect() {}

    /** Output channels one pass computes (fewer are padded with zero weights). */
    static final int MAX_OUT = 4;
    /** Pixels per chunk: two vectors. */
    private static final int CHUNK = 2 * VL;

    static boolean applies(ConvShape s) {
        return s.outC() <= MAX_OUT && s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1
                && s.padH() == 1 && s.padW() == 1;
    }

    /** Weights (O, I, 3, 3) as wk[(i·9 + tap)·4 + o], zero for o ≥ O. */
    static float[] packWeights(float[] w, int outC, int inC) {
        float[] wk = new float[inC * 9 * MAX_OUT];
        for (int o = 0; o < outC; o++)
            for (int i = 0; i < inC; i++)
                for (int tap = 0; tap < 9; tap++) wk[(i * 9 + tap) * MAX_OUT + o] = w[(o * inC + i) * 9 + tap];
        return wk;
    }

    /**
     * out (O, H, W) := bias + conv3x3(in (I, H, W), w), or += when {@code accumulate} (bias then ignored);
     * {@code wk} from {@link #packWeights}.
     */
    static void conv(WorkerPool pool, Scratch[] scratch, float[] out, float[] in, float[] wk, float[] bias,
                     int inC, int outC, int h, int w, boolean accumulate) {
        int chunks = Gemm.ceil(w, CHUNK), wr = chunks * CHUNK, padded = wr + 2;   // padded row: x = −1 .. wr
        int rowsPerTask = Math.max(1, Math.min(8, Gemm.ceil(h, 4 * pool.size())));
        pool.run(Gemm.ceil(h, rowsPerTask), (worker, task) -> {
            Scratch sc = scratch[worker];
            float[] pad = sc.col(inC * 3 * padded);             // (I, 3 rows y−1..y+1, padded)
            float[] acc = sc.packB(MAX_OUT * wr);                // (4, wr) one output row per channel
            int y1 = Math.min(h, (task + 1) * rowsPerTask);
            for (int y = task * rowsPerTask; y < y1; y++) {
                for (int i = 0; i < inC; i++) {
                    for (int ky = 0; ky < 3; ky++) {
                        int row = (i * 3 + ky) * padded, iy = y - 1 + ky;
                        java.util.Arrays.fill(pad, row, row + padded, 0f);
                        if (iy >= 0 && iy < h) System.arraycopy(in, (i * h + iy) * w, pad, row + 1, w);
                    }
                }
                for (int c = 0; c < chunks; c++) chunk(pad, wk, inC, padded, c * CHUNK, acc, wr);
                for (int o = 0; o < outC; o++) {
                    int dst = (o * h + y) * w, src = o * wr;
                    if (accumulate) {
                        for (int x = 0; x < w; x++) out[dst + x] += acc[src + x];
                    } else {
                        float b = bias == null ? 0f : bias[o];
                        for (int x = 0; x < w; x++) out[dst + x] = acc[src + x] + b;
                    }
                }
            }
        });
    }

    /** acc[o, x0 .. x0+CHUNK) := Σ_{i,ky,kx} wk[i,ky,kx,o] · pad[i, ky, x0 + kx ..]: 4 outputs × 2 vectors in registers. */
    private static void chunk(float[] pad, float[] wk, int inC, int padded, int x0, float[] acc, int wr) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        for (int i = 0; i < inC; i++) {
            for (int ky = 0; ky < 3; ky++) {
                int row = (i * 3 + ky) * padded + x0;
                for (int kx = 0; kx < 3; kx++) {
                    int wp = ((i * 3 + ky) * 3 + kx) * MAX_OUT;
                    FloatVector v0 = FloatVector.fromArray(F, pad, row + kx), v1 = FloatVector.fromArray(F, pad, row + kx + VL);
                    { FloatVector k = FloatVector.broadcast(F, wk[wp]); a00 = k.fma(v0, a00); a01 = k.fma(v1, a01); }
                    { FloatVector k = FloatVector.broadcast(F, wk[wp + 1]); a10 = k.fma(v0, a10); a11 = k.fma(v1, a11); }
                    { FloatVector k = FloatVector.broadcast(F, wk[wp + 2]); a20 = k.fma(v0, a20); a21 = k.fma(v1, a21); }
                    { FloatVector k = FloatVector.broadcast(F, wk[wp + 3]); a30 = k.fma(v0, a30); a31 = k.fma(v1, a31); }
                }
            }
        }
        a00.intoArray(acc, x0); a01.intoArray(acc, x0 + VL);
        a10.intoArray(acc, wr + x0); a11.intoArray(acc, wr + x0 + VL);
        a20.intoArray(acc, 2 * wr + x0); a21.intoArray(acc, 2 * wr + x0 + VL);
        a30.intoArray(acc, 3 * wr + x0); a31.intoArray(acc, 3 * wr + x0 + VL);
    }
}
