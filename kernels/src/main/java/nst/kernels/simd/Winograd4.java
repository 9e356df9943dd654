package nst.kernels.simd;

import jdk.incubator.vector.FloatVector;

import static nst.kernels.simd.Gemm.ceil;
import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.MR;
import static nst.kernels.simd.Vec.NR;
import static nst.kernels.simd.Vec.VL;

/**
 * Winograd F(4×4, 3×3) for 3×3 stride-1 pad-1 convolutions (Lavin & Gray, arXiv 1509.09308, the 6×6 matrices
 * with points 0, ±1, ±2): each 4×4 output tile is Aᵀ [ Σ_i U[o,i] ⊙ V[i] ] A with U = G g Gᵀ (6×6, cached) and
 * V = Bᵀ d Bᵀᵀ of the 6×6 input patch, so 36 GEMMs (O × I)·(I × tiles) on the {@link Gemm} micro-kernel do
 * 36 multiplies per 16 outputs (direct: 144; F(2×2,3×3): 64). The transforms are vectorised across VL tiles
 * for any vector width: every lane gathers its own 6×6 patch (so lanes may span tile rows and image edges,
 * which keeps the vector form on 8-wide and 16-wide tiles rows alike), the two 1-D transforms run on whole
 * vectors, and the output lanes are scattered back tile by tile. The float32 error is about 3–4× that of
 * F(2×2) (KERNELS.md); U is 4× the weights (F(2×2): 16/9). Leaves out F(6×6, 3×3).
 */
final class Winograd4 {
    private Winograd4() {}

    /** ξ count: 6 × 6 transformed tile. */
    static final int XI = 36;
    /** Largest transformed-input block per task, in floats (36 · I · tiles). */
    private static final int V_BLOCK = 1 << 18;
    /** Fewest tile groups (of NR) per task, so the U stream is amortised (see {@link Winograd}). */
    private static final int MIN_GROUPS = 4;

    /**
     * U = G g Gᵀ for every (o, i), packed as 36 A operands: u[((ξ·panels + r)·I + i)·MR + rr] for output channel
     * o = r·MR + rr (zero past O), ξ = 6·row + col. g is (O, I, 3, 3). Computed in double, rounded once.
     */
    static float[] transformWeights(float[] g, int outC, int inC) {
        int panels = ceil(outC, MR);
        float[] u = new float[XI * panels * inC * MR];
        double[] t = new double[18], row = new double[6];
        int xiStep = panels * inC * MR;
        for (int o = 0; o < outC; o++) {
            int r = o / MR, rr = o % MR;
            for (int i = 0; i < inC; i++) {
                int src = (o * inC + i) * 9;
                for (int c = 0; c < 3; c++) {                       // G g: the 6×3 intermediate
                    double g0 = g[src + c], g1 = g[src + 3 + c], g2 = g[src + 6 + c];
                    gRows(g0, g1, g2, t, c, 3);
                }
                for (int k = 0; k < 6; k++) {                       // (G g) Gᵀ
                    gRows(t[k * 3], t[k * 3 + 1], t[k * 3 + 2], row, 0, 1);
                    int at = ((k * 6 * panels + r) * inC + i) * MR + rr;
                    for (int c = 0; c < 6; c++) u[at + c * xiStep] = (float) row[c];
                }
            }
        }
        return u;
    }

    /** The six rows of G applied to (g0, g1, g2), written to dst[off + k·step]. */
    private static void gRows(double g0, double g1, double g2, double[] dst, int off, int step) {
        dst[off] = g0 / 4;
        dst[off + step] = -(g0 + g1 + g2) / 6;
        dst[off + 2 * step] = -(g0 - g1 + g2) / 6;
        dst[off + 3 * step] = g0 / 24 + g1 / 12 + g2 / 6;
        dst[off + 4 * step] = g0 / 24 - g1 / 12 + g2 / 6;
        dst[off + 5 * step] = g2;
    }

    /**
     * out (O, H, W) := bias + conv3x3(in (I, H, W), g), or += when {@code accumulate}; u from
     * {@link #transformWeights}. Each task owns a block of tiles × a range of output-channel panels.
     */
    static void conv(WorkerPool pool, Scratch[] scratch, float[] out, float[] in, float[] u, float[] bias,
                     int inC, int outC, int h, int w, boolean accumulate) {
        int tw = ceil(w, 4), th = ceil(h, 4), tiles = tw * th;
        int threads = pool.size();
        int groups = ceil(tiles, NR);
        int gpb = Math.max(1, Math.min(ceil(groups, 3 * threads), Math.max(MIN_GROUPS, V_BLOCK / (XI * inC * NR))));
        int blocks = ceil(groups, gpb);
        int panels = ceil(outC, MR);
        int oSplit = 1;
        while (blocks * oSplit < 3 * threads && oSplit < panels) oSplit++;
        int panelsPerTask = ceil(panels, oSplit);
        int oTasks = ceil(panels, panelsPerTask);
        pool.run(blocks * oTasks, (worker, task) -> {
            Scratch sc = scratch[worker];
            int t0 = (task / oTasks) * gpb * NR, nt = Math.min(gpb * NR, tiles - t0), ng = ceil(nt, NR);
            int r0 = (task % oTasks) * panelsPerTask, r1 = Math.min(panels, r0 + panelsPerTask);
            float[] v = sc.wino(XI * ng * inC * NR);             // (36 ξ, ng groups, I, NR)
            float[] m = sc.winoOut(XI * MR * NR);                // (36 ξ, MR, NR)
            float[] patch = sc.winoEo(2 * XI * VL), tmp = sc.winoTmp(2 * XI * VL);
            inputTransform(v, in, inC, h, w, tw, t0, nt, ng, patch, tmp, sc.winoIdx(ng * NR + ng * NR / VL));
            for (int r = r0; r < r1; r++) {
                for (int g = 0; g < ng; g++) {
                    java.util.Arrays.fill(m, 0, XI * MR * NR, 0f);
                    for (int xi = 0; xi < XI; xi++) {
                        Gemm.kernel(inC, u, (xi * panels + r) * inC * MR, v, (xi * ng + g) * inC * NR,
                                m, xi * MR * NR, NR, MR, NR, sc.tile);
                    }
                    outputTransform(out, m, bias, r, outC, h, w, tw, t0 + g * NR, Math.min(NR, nt - g * NR), accumulate, patch, tmp);
                }
            }
        });
    }

    /**
     * v[((ξ·ng + g)·I + i)·NR + l] = (Bᵀ d B)[ξ] of tile t0 + g·NR + l of channel i; zero past the last tile.
     * VL lanes at a time. When all VL patches lie inside the image (most of them), each of the 36 patch positions
     * is one vector gather through the lanes' patch offsets (computed once for all channels) and goes straight into
     * {@link #bt}; otherwise each lane's patch (zero outside the image) is copied to patch[(6·y + x)·VL + lane]
     * and {@link #inputVector} transforms all lanes at once. The gather made the input transform of the 64- and
     * 128-channel layers about twice as fast (KERNELS.md).
     */
    private static void inputTransform(float[] v, float[] in, int inC, int h, int w, int tw, int t0, int nt, int ng,
                                       float[] patch, float[] tmp, int[] idx) {
        int xiStride = ng * inC * NR;
        int blocks = ng * NR / VL, flags = ng * NR;             // idx[0, ng·NR): offsets; idx[flags + block]: 1 if interior
        for (int bl = 0; bl < blocks; bl++) {
            boolean interior = true;
            for (int l = 0; l < VL; l++) {
                int t = bl * VL + l, tile = t0 + t;
                if (t >= nt) { interior = false; idx[t] = 0; continue; }
                int ty = tile / tw, tx = tile - ty * tw, y0 = 4 * ty - 1, x0 = 4 * tx - 1;
                interior &= y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w;
                idx[t] = y0 * w + x0;
            }
            idx[flags + bl] = interior ? 1 : 0;
        }
        for (int i = 0; i < inC; i++) {
            int plane = i * h * w;
            for (int t = 0, bl = 0; t < ng * NR; t += VL, bl++) {
                int dst = ((t / NR) * inC + i) * NR + t % NR;
                if (idx[flags + bl] == 1) {
                    inputGather(v, dst, xiStride, in, plane, w, idx, t, tmp);
                } else {
                    for (int l = 0; l < VL; l++) gatherPatch(patch, l, in, plane, h, w, tw, t + l < nt ? t0 + t + l : -1);
                    inputVector(v, dst, xiStride, patch, tmp);
                }
            }
        }
    }

    /** {@link #inputVector} for VL interior patches at in[plane + idx[off + lane] ..]: the rows come by vector gathers. */
    private static void inputGather(float[] v, int dst, int s, float[] in, int plane, int w, int[] idx, int off, float[] tmp) {
        for (int x = 0; x < 6; x++) {
            int p = plane + x;
            FloatVector d0 = FloatVector.fromArray(F, in, p, idx, off), d1 = FloatVector.fromArray(F, in, p + w, idx, off);
            FloatVector d2 = FloatVector.fromArray(F, in, p + 2 * w, idx, off), d3 = FloatVector.fromArray(F, in, p + 3 * w, idx, off);
            FloatVector d4 = FloatVector.fromArray(F, in, p + 4 * w, idx, off), d5 = FloatVector.fromArray(F, in, p + 5 * w, idx, off);
            bt(d0, d1, d2, d3, d4, d5, tmp, x * VL, 6 * VL);
        }
        rows(v, dst, s, tmp);
    }

    /** Lane l of patch: the 6×6 input patch of tile {@code tile} (rows 4ty − 1.., columns 4tx − 1..), or zeros when −1. */
    private static void gatherPatch(float[] patch, int l, float[] in, int plane, int h, int w, int tw, int tile) {
        if (tile < 0) {
            for (int k = 0; k < XI; k++) patch[k * VL + l] = 0f;
            return;
        }
        int ty = tile / tw, tx = tile - ty * tw;
        int y0 = 4 * ty - 1, x0 = 4 * tx - 1;
        if (y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w) {        // interior: no bounds checks
            int p = plane + y0 * w + x0;
            for (int y = 0; y < 6; y++, p += w) {
                int q = 6 * y * VL + l;
                patch[q] = in[p];               patch[q + VL] = in[p + 1];
                patch[q + 2 * VL] = in[p + 2];  patch[q + 3 * VL] = in[p + 3];
                patch[q + 4 * VL] = in[p + 4];  patch[q + 5 * VL] = in[p + 5];
            }
        } else {
            for (int y = 0; y < 6; y++) {
                int yy = y0 + y;
                for (int x = 0; x < 6; x++) {
                    int xx = x0 + x;
                    patch[(6 * y + x) * VL + l] = yy < 0 || yy >= h || xx < 0 || xx >= w ? 0f : in[plane + yy * w + xx];
                }
            }
        }
    }

    /**
     * Bᵀ d B for VL patches: columns first (tmp[(6·k + x)·VL] = (Bᵀ d)[k][x]), then rows into v[dst + (6·k + c)·s].
     * Bᵀ rows: (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0),
     * (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1).
     */
    private static void inputVector(float[] v, int dst, int s, float[] patch, float[] tmp) {
        for (int x = 0; x < 6; x++) {
            FloatVector d0 = FloatVector.fromArray(F, patch, x * VL), d1 = FloatVector.fromArray(F, patch, (6 + x) * VL);
            FloatVector d2 = FloatVector.fromArray(F, patch, (12 + x) * VL), d3 = FloatVector.fromArray(F, patch, (18 + x) * VL);
            FloatVector d4 = FloatVector.fromArray(F, patch, (24 + x) * VL), d5 = FloatVector.fromArray(F, patch, (30 + x) * VL);
            bt(d0, d1, d2, d3, d4, d5, tmp, x * VL, 6 * VL);
        }
        rows(v, dst, s, tmp);
    }

    /** The second half of Bᵀ d B: Bᵀ on the rows of tmp[(6·k + x)·VL] into v[dst + (6·k + c)·s]. */
    private static void rows(float[] v, int dst, int s, float[] tmp) {
        for (int k = 0; k < 6; k++) {
            int q = 6 * k * VL;
            FloatVector d0 = FloatVector.fromArray(F, tmp, q), d1 = FloatVector.fromArray(F, tmp, q + VL);
            FloatVector d2 = FloatVector.fromArray(F, tmp, q + 2 * VL), d3 = FloatVector.fromArray(F, tmp, q + 3 * VL);
            FloatVector d4 = FloatVector.fromArray(F, tmp, q + 4 * VL), d5 = FloatVector.fromArray(F, tmp, q + 5 * VL);
            bt(d0, d1, d2, d3, d4, d5, v, dst + 6 * k * s, s);
        }
    }

    /** The six Bᵀ rows of (d0..d5) into dst[off + j·step]. */
    private static void bt(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, FloatVector d4, FloatVector d5,
                           float[] dst, int off, int step) {
        FloatVector a = d4.sub(d2.mul(4f)), b = d3.sub(d1.mul(4f));         // row 1 = a + b, row 2 = a − b
        FloatVector c = d4.sub(d2), e = d3.sub(d1).mul(2f);                   // row 3 = c + e, row 4 = c − e
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(dst, off);
        a.add(b).intoArray(dst, off + step);
        a.sub(b).intoArray(dst, off + 2 * step);
        c.add(e).intoArray(dst, off + 3 * step);
        c.sub(e).intoArray(dst, off + 4 * step);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(dst, off + 5 * step);
    }

    /**
     * out[o, 4ty+dy, 4tx+dx] (+)= (Aᵀ M A)[dy,dx] (+ bias) for the panel's channels and tiles t0..t0+nt, VL tiles at
     * a time: Aᵀ on the columns of M (36 loads), Aᵀ on the rows, then each lane's 4×4 block is scattered, clipped
     * at the image's right and bottom edges. Aᵀ rows: (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0),
     * (0, 1, −1, 8, −8, 1).
     */
    private static void outputTransform(float[] out, float[] m, float[] bias, int r, int outC, int h, int w, int tw,
                                        int t0, int nt, boolean accumulate, float[] t1, float[] t2) {
        int rows = Math.min(MR, outC - r * MR);
        int s = MR * NR;
        for (int rr = 0; rr < rows; rr++) {
            int o = r * MR + rr;
            float b = accumulate || bias == null ? 0f : bias[o];
            int plane = o * h * w;
            for (int l0 = 0; l0 < nt; l0 += VL) {
                int j = rr * NR + l0;
                for (int x = 0; x < 6; x++) {                               // t1[(4·dy + ... ) ] = (Aᵀ M)[dy][x]
                    FloatVector m0 = FloatVector.fromArray(F, m, j + x * s), m1 = FloatVector.fromArray(F, m, j + (6 + x) * s);
                    FloatVector m2 = FloatVector.fromArray(F, m, j + (12 + x) * s), m3 = FloatVector.fromArray(F, m, j + (18 + x) * s);
                    FloatVector m4 = FloatVector.fromArray(F, m, j + (24 + x) * s), m5 = FloatVector.fromArray(F, m, j + (30 + x) * s);
                    at(m0, m1, m2, m3, m4, m5, 0f, t1, x * VL, 6 * VL);
                }
                for (int dy = 0; dy < 4; dy++) {                            // t2[(4·dy + dx)·VL] = (Aᵀ M A)[dy][dx] + b
                    int q = 6 * dy * VL;
                    FloatVector m0 = FloatVector.fromArray(F, t1, q), m1 = FloatVector.fromArray(F, t1, q + VL);
                    FloatVector m2 = FloatVector.fromArray(F, t1, q + 2 * VL), m3 = FloatVector.fromArray(F, t1, q + 3 * VL);
                    FloatVector m4 = FloatVector.fromArray(F, t1, q + 4 * VL), m5 = FloatVector.fromArray(F, t1, q + 5 * VL);
                    at(m0, m1, m2, m3, m4, m5, b, t2, 4 * dy * VL, VL);
                }
                int lanes = Math.min(VL, nt - l0);
                for (int l = 0; l < lanes; l++) scatterTile(out, t2, l, plane, h, w, tw, t0 + l0 + l, accumulate);
            }
        }
    }

    /** The four Aᵀ rows of (m0..m5), plus b, into dst[off + j·step]. */
    private static void at(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector m4, FloatVector m5,
                           float b, float[] dst, int off, int step) {
        FloatVector sp = m1.add(m2), sm = m1.sub(m2), tp = m3.add(m4), tm = m3.sub(m4);
        m0.add(sp).add(tp).add(b).intoArray(dst, off);
        tm.mul(2f).add(sm).add(b).intoArray(dst, off + step);
        tp.mul(4f).add(sp).add(b).intoArray(dst, off + 2 * step);
        tm.mul(8f).add(sm).add(m5).add(b).intoArray(dst, off + 3 * step);
    }

    /** Lane l of t2 (a 4×4 output block) into the tile's place in out, clipped at the right and bottom edges. */
    private static void scatterTile(float[] out, float[] t2, int l, int plane, int h, int w, int tw, int tile, boolean accumulate) {
        int ty = tile / tw, tx = tile - ty * tw;
        int y0 = 4 * ty, x0 = 4 * tx;
        int ny = Math.min(4, h - y0), nx = Math.min(4, w - x0);
        if (ny == 4 && nx == 4) {
            int p = plane + y0 * w + x0;
            if (accumulate) {
                for (int dy = 0; dy < 4; dy++, p += w) {
                    int q = 4 * dy * VL + l;
                    out[p] += t2[q]; out[p + 1] += t2[q + VL]; out[p + 2] += t2[q + 2 * VL]; out[p + 3] += t2[q + 3 * VL];
                }
            } else {
                for (int dy = 0; dy < 4; dy++, p += w) {
                    int q = 4 * dy * VL + l;
                    out[p] = t2[q]; out[p + 1] = t2[q + VL]; out[p + 2] = t2[q + 2 * VL]; out[p + 3] = t2[q + 3 * VL];
                }
            }
            return;
        }
        for (int dy = 0; dy < ny; dy++) {
            int p = plane + (y0 + dy) * w + x0;
            for (int dx = 0; dx < nx; dx++) {
                float val = t2[(4 * dy + dx) * VL + l];
                if (accumulate) out[p + dx] += val; else out[p + dx] = val;
            }
        }
    }
}
