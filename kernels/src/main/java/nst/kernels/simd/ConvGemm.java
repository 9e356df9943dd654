package nst.kernels.simd;

import nst.kernels.ConvShape;

import static nst.kernels.simd.Gemm.KC;
import static nst.kernels.simd.Gemm.ceil;
import static nst.kernels.simd.Vec.MR;
import static nst.kernels.simd.Vec.NR;

/**
 * Convolution as implicit GEMM: out (O, OH·OW) = W (O, I·kH·kW) · col (I·kH·kW, OH·OW), where the im2col
 * matrix is never stored whole: each task packs the KC × (its pixel block) slice of it straight into the
 * micro-kernel's B panels. Forward works for any shape; backward-data with stride 1 is the forward of dOut
 * with the flipped, transposed kernel; other backward shapes (strides) and backward-weights go through a
 * chunked explicit im2col and {@link Gemm#gemm}. Leaves out dilation/groups (not in {@link ConvShape}).
 */
final class ConvGemm {
    private ConvGemm() {}

    /** Most pixel groups (of NR) one task packs at a time: the B block (KC, 8·NR) stays in L2. */
    static final int MAX_GROUPS = 8;

    /** Weights (O, I, kH, kW) packed as the A operand: (ceil(O/MR) panels, K = I·kH·kW, MR). */
    static float[] packWeights(float[] w, int outC, int k) {
        float[] dst = new float[ceil(outC, MR) * MR * k];
        Gemm.packA(dst, w, 0, k, 1, 0, outC, 0, k, 1f);
        return dst;
    }

    /** The backward-data kernel: wt (I, O, kH, kW) with wt[i,o,ky,kx] = w[o,i,kH−1−ky,kW−1−kx]. */
    static float[] flipTranspose(float[] w, ConvShape s) {
        int o = s.outC(), in = s.inC(), kh = s.kH(), kw = s.kW(), kk = kh * kw;
        float[] wt = new float[w.length];                            // (I, O, kH, kW)
        for (int oc = 0; oc < o; oc++)
            for (int ic = 0; ic < in; ic++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        wt[(ic * o + oc) * kk + (kh - 1 - ky) * kw + (kw - 1 - kx)] = w[(oc * in + ic) * kk + ky * kw + kx];
        return wt;
    }

    /** The shape whose forward is the backward-data of a stride-1 conv s (pad kH−1−padH ≥ 0 needed). */
    static ConvShape transposedShape(ConvShape s) {
        return new ConvShape(s.outC(), s.outH(), s.outW(), s.inC(), s.kH(), s.kW(), 1, 1, s.kH() - 1 - s.padH(), s.kW() - 1 - s.padW());
    }

    static boolean backwardAsForward(ConvShape s) {
        return s.strideH() == 1 && s.strideW() == 1 && s.padH() <= s.kH() - 1 && s.padW() <= s.kW() - 1;
    }

    /**
     * out (O, OH, OW) := bias + conv(in, W), or += conv(in, W) when {@code accumulate} (bias then ignored).
     * {@code wPacked} from {@link #packWeights}. Each task owns a block of output pixels × a range of
     * output-channel panels.
     */
    static void forward(WorkerPool pool, Scratch[] scratch, float[] out, float[] in, float[] wPacked, float[] bias,
                        ConvShape s, boolean accumulate) {
        int outC = s.outC(), k = s.inC() * s.kH() * s.kW(), ohw = s.outH() * s.outW();
        int threads = pool.size();
        int groups = ceil(ohw, NR);
        int gpb = Math.max(1, Math.min(MAX_GROUPS, ceil(groups, 3 * threads)));     // groups per pixel block
        int pixBlocks = ceil(groups, gpb);
        int panels = ceil(outC, MR);
        int oSplit = 1;
        while (pixBlocks * oSplit < 3 * threads && oSplit < panels) oSplit++;
        int panelsPerTask = ceil(panels, oSplit);
        int oTasks = ceil(panels, panelsPerTask);
        pool.run(pixBlocks * oTasks, (worker, task) -> {
            Scratch sc = scratch[worker];
            int q0 = (task / oTasks) * gpb * NR, nq = Math.min(gpb * NR, ohw - q0);
            int r0 = (task % oTasks) * panelsPerTask, r1 = Math.min(panels, r0 + panelsPerTask);
            int ng = ceil(nq, NR);
            float[] pb = sc.packB(ng * NR * Math.min(KC, k));                   // (ng groups, kc, NR)
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                packIm2col(pb, in, s, p0, kc, q0, nq, sc);
                for (int r = r0; r < r1; r++) {
                    int mr = Math.min(MR, outC - r * MR);
                    if (!accumulate && p0 == 0) {                       // overwrite: start the block at bias
                        for (int rr = 0; rr < mr; rr++) {
                            int row = (r * MR + rr) * ohw + q0;
                            java.util.Arrays.fill(out, row, row + nq, bias == null ? 0f : bias[r * MR + rr]);
                        }
                    }
                    for (int g = 0; g < ng; g++) {
                        Gemm.kernel(kc, wPacked, (r * k + p0) * MR, pb, g * kc * NR,
                                out, r * MR * ohw + q0 + g * NR, ohw, mr, Math.min(NR, nq - g * NR), sc.tile);
                    }
                }
            }
        });
    }

    /**
     * Packs rows [p0, p0+kc) × pixels [q0, q0+nq) of the (virtual) im2col matrix into NR-wide groups:
     * dst[(g·kc + pp)·NR + l] = in[i, y·sh−ph+ky, x·sw−pw+kx] for p0+pp = (i, ky, kx), pixel q0+g·NR+l = (y, x);
     * zero outside the input and past the last pixel. Stride-1 rows are copied as contiguous runs.
     */
    static void packIm2col(float[] dst, float[] in, ConvShape s, int p0, int kc, int q0, int nq, Scratch sc) {
        int ow = s.outW(), ih = s.inH(), iw = s.inW(), kw = s.kW(), kk = s.kH() * kw;
        int sh = s.strideH(), sw = s.strideW(), ph = s.padH(), pw = s.padW();
        int[] segQ = sc.segQ, segY = sc.segY, segX = sc.segX, segLen = sc.segLen;
        for (int g = 0; g * NR < nq; g++) {
            int qa = q0 + g * NR, qb = Math.min(q0 + nq, qa + NR), valid = qb - qa;
            int nseg = 0;
            for (int q = qa; q < qb; nseg++) {                     // the group's pixels, split by output row
                int y = q / ow, x = q - y * ow, len = Math.min(qb - q, ow - x);
                segQ[nseg] = q - qa; segY[nseg] = y; segX[nseg] = x; segLen[nseg] = len;
                q += len;
            }
            int base = g * kc * NR;
            for (int pp = 0; pp < kc; pp++) {
                int p = p0 + pp, i = p / kk, rem = p - i * kk, ky = rem / kw, kx = rem - ky * kw;
                int d = base + pp * NR;
                for (int sg = 0; sg < nseg; sg++) {
                    int dl = d + segQ[sg], len = segLen[sg], y = segY[sg], x = segX[sg];
                    int iy = y * sh - ph + ky;
                    if (iy < 0 || iy >= ih) {
                        zero(dst, dl, len);
                        continue;
                    }
                    int row = (i * ih + iy) * iw;
                    if (sw == 1) {
                        int ix0 = x - pw + kx;
                        int lo = Math.max(0, -ix0), hi = Math.min(len, iw - ix0);
                        if (hi <= lo) {
                            zero(dst, dl, len);
                        } else {
                            zero(dst, dl, lo);
                            System.arraycopy(in, row + ix0 + lo, dst, dl + lo, hi - lo);
                            zero(dst, dl + hi, len - hi);
                        }
                    } else {
                        for (int l = 0; l < len; l++) {
                            int ix = (x + l) * sw - pw + kx;
                            dst[dl + l] = ix < 0 || ix >= iw ? 0f : in[row + ix];
                        }
                    }
                }
                zero(dst, d + valid, NR - valid);
            }
        }
    }

    private static void zero(float[] a, int from, int n) {
        for (int j = 0; j < n; j++) a[from + j] = 0f;
    }

    // ---------------------------------------------------------------- general paths (explicit im2col)

    /** Pixels per im2col chunk of the general paths, so a chunk stays near 16 MiB. */
    private static int chunk(int k, int ohw) {
        return Math.max(1, Math.min(ohw, (1 << 22) / k));
    }

    /** col (K, np) := im2col of pixels [q0, q0+np). */
    private static void im2col(float[] col, float[] in, ConvShape s, int q0, int np) {
        int ow = s.outW(), kw = s.kW(), kk = s.kH() * kw, k = s.inC() * kk;
        for (int p = 0; p < k; p++) {
            int i = p / kk, ky = (p % kk) / kw, kx = p % kw;
            for (int q = 0; q < np; q++) {
                int y = (q0 + q) / ow, x = (q0 + q) % ow;
                int iy = y * s.strideH() - s.padH() + ky, ix = x * s.strideW() - s.padW() + kx;
                col[p * np + q] = iy < 0 || iy >= s.inH() || ix < 0 || ix >= s.inW() ? 0f : in[(i * s.inH() + iy) * s.inW() + ix];
            }
        }
    }

    /** dIn += col2im(Wᵀ · dOut), chunk by chunk: any stride and padding. */
    static void backwardDataGeneral(WorkerPool pool, Scratch[] scratch, float[] dIn, float[] dOut, float[] w, ConvShape s) {
        int outC = s.outC(), ow = s.outW(), kw = s.kW(), kk = s.kH() * kw, k = s.inC() * kk, ohw = s.outH() * ow;
        int chunk = chunk(k, ohw);
        float[] col = scratch[0].col(k * chunk);                              // (K, np)
        for (int q0 = 0; q0 < ohw; q0 += chunk) {
            int np = Math.min(chunk, ohw - q0);
            // col (K, np) = Wᵀ (K, O) · dOut[:, q0..q0+np) (O, np)
            Gemm.gemm(pool, scratch, k, np, outC, 1f, w, 0, 1, k, dOut, q0, ohw, 1, 0f, col, 0, np, false);
            for (int p = 0; p < k; p++) {
                int i = p / kk, ky = (p % kk) / kw, kx = p % kw;
                for (int q = 0; q < np; q++) {
                    int y = (q0 + q) / ow, x = (q0 + q) % ow;
                    int iy = y * s.strideH() - s.padH() + ky, ix = x * s.strideW() - s.padW() + kx;
                    if (iy >= 0 && iy < s.inH() && ix >= 0 && ix < s.inW()) dIn[(i * s.inH() + iy) * s.inW() + ix] += col[p * np + q];
                }
            }
        }
    }

    /** dW (O, K) += dOut (O, OH·OW) · colᵀ, dBias += row sums of dOut. */
    static void backwardWeights(WorkerPool pool, Scratch[] scratch, float[] dW, float[] dBias, float[] dOut, float[] in, ConvShape s) {
        int outC = s.outC(), k = s.inC() * s.kH() * s.kW(), ohw = s.outH() * s.outW();
        int chunk = chunk(k, ohw);
        float[] col = scratch[0].col(k * chunk);                              // (K, np)
        for (int q0 = 0; q0 < ohw; q0 += chunk) {
            int np = Math.min(chunk, ohw - q0);
            im2col(col, in, s, q0, np);
            Gemm.gemm(pool, scratch, outC, k, np, 1f, dOut, q0, ohw, 1, col, 0, 1, np, 1f, dW, 0, k, false);
        }
        if (dBias != null) {
            for (int o = 0; o < outC; o++) {
                double sum = 0;
                for (int j = 0; j < ohw; j++) sum += dOut[o * ohw + j];
                dBias[o] += (float) sum;
            }
        }
    }
}
