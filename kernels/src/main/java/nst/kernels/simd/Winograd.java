package nst.kernels.simd;

import jdk.incubator.vector.FloatVector;
import nst.kernels.ConvShape;

import static nst.kernels.simd.Gemm.ceil;
import static nst.kernels.simd.Vec.F;
import static nst.kernels.simd.Vec.MR;
import static nst.kernels.simd.Vec.NR;
import static nst.kernels.simd.Vec.VL;

/**
 * Winograd F(2×2, 3×3) for 3×3 stride-1 pad-1 convolutions (Lavin & Gray, arXiv 1509.09308): each 2×2 output
 * tile is Aᵀ [ Σ_i U[o,i] ⊙ V[i] ] A with U = G g Gᵀ (weights, 4×4, cached) and V = Bᵀ d B (4×4 input tile),
 * so the 16 element-wise products summed over channels are 16 GEMMs (O × I) · (I × tiles) on the same
 * micro-kernel as {@link Gemm}; 16 multiplies per 4 outputs instead of 36. Input and output transforms run
 * VL tiles at a time in vector registers (they are O(I) and O(O) per tile against O(I·O) for the GEMMs, but
 * scalar they took a third of the 64-channel layers' time), with a scalar form for edge tiles. Leaves out F(4×4, 3×3).
 */
final class Winograd {
    private Winograd() {}

    /** Largest transformed-input block per task, in floats (16 · I · tiles), so it stays in L2. */
    private static final int V_BLOCK = 1 << 17;
    /**
     * Fewest tile groups (of NR) per task, even past {@link #V_BLOCK}: every task streams all of U (16·O·I floats,
     * 16 MiB for 512 → 512), so with one group per task the wide layers were bound by reading U. One thread, CPU
     * time at 512 px: 512 → 512 at 64² 204 / 168 / 155 / 137 / 180 ms with at least 1 / 2 / 4 / 8 / 16 groups;
     * 256 → 256 at 128² and 128 → 128 at 256² change little.
     */
    private static final int MIN_GROUPS = 8;

    static boolean applies(ConvShape s) {
        return s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1 && s.padH() == 1 && s.padW() == 1;
    }

    /**
     * The automatic choice (JMH ConvBench, 2 threads, Zen 3 / AVX2, KERNELS.md): Winograd when both channel counts
     * are at least 64 (the transforms are cheap against the 16 GEMMs) and the image has at least 16×16 pixels
     * (64 tiles; conv5 at 256 px: 252 vs 112 GFLOP/s forward, 135 vs 96 backward against implicit GEMM).
     * Implicit GEMM for the RGB input layer (3 channels: 56 vs 27 forward) and small channel counts.
     */
    static boolean preferred(ConvShape s) {
        return s.inC() >= 64 && s.outC() >= 64 && s.inH() * s.inW() >= 16 * 16;
    }

    /**
     * Under auto, among the shapes {@link #preferred}: F(4×4,3×3) instead of F(2×2,3×3) when both channel counts are
     * at least 128. A fixed table rather than a calibration at first use, so a run computes the same bits every time.
     * Measured with {@code nst.bench.ConvAB} (one thread, CPU time, Zen 5 / AVX-512, KERNELS.md): F(4×4) wins from
     * 128 channels up (512 → 512 at 64²: 51 vs 83 ms forward) and loses on the 64-channel layers, where the
     * transforms outweigh the smaller GEMMs (64 → 64 at 512²: 141 vs 125 ms). The same rule is used for 512-bit
     * vectors (not measured there). {@code -Dnst.simd.wino4=false} turns F(4×4) off under auto (it caches 4× the
     * weights per direction, F(2×2) 16/9×).
     */
    static boolean preferred4(ConvShape s) {
        return PREFER4 && preferred(s) && Math.min(s.inC(), s.outC()) >= 128;
    }

    private static final boolean PREFER4 = !"false".equals(System.getProperty("nst.simd.wino4", "true").trim());

    /**
     * U = G g Gᵀ for every (o, i), packed as 16 A operands: u[((ξ·panels + r)·I + i)·MR + rr] for output
     * channel o = r·MR + rr (zero past O), ξ = 4·row + col of the 4×4 transformed tile. g is (O, I, 3, 3).
     */
    static float[] transformWeights(float[] g, int outC, int inC) {
        int panels = ceil(outC, MR);
        float[] u = new float[16 * panels * inC * MR];
        float[] t = new float[12];
        for (int o = 0; o < outC; o++) {
            int r = o / MR, rr = o % MR;
            for (int i = 0; i < inC; i++) {
                int src = (o * inC + i) * 9;
                for (int c = 0; c < 3; c++) {                       // G g: rows of the 4×3 intermediate
                    float g0 = g[src + c], g1 = g[src + 3 + c], g2 = g[src + 6 + c];
                    t[c] = g0;
                    t[3 + c] = 0.5f * (g0 + g1 + g2);
                    t[6 + c] = 0.5f * (g0 - g1 + g2);
                    t[9 + c] = g2;
                }
                for (int row = 0; row < 4; row++) {                 // (G g) Gᵀ, no temporaries (runs once, often interpreted)
                    float a0 = t[row * 3], a1 = t[row * 3 + 1], a2 = t[row * 3 + 2];
                    int at = ((row * 4 * panels + r) * inC + i) * MR + rr, xiStep = panels * inC * MR;
                    u[at] = a0;
                    u[at + xiStep] = 0.5f * (a0 + a1 + a2);
                    u[at + 2 * xiStep] = 0.5f * (a0 - a1 + a2);
                    u[at + 3 * xiStep] = a2;
                }
            }
        }
        return u;
    }

    /**
     * out (O, H, W) := bias + conv3x3(in (I, H, W), g), or += when {@code accumulate}; u from
     * {@link #transformWeights}. Each task owns a block of tiles × a range of output-channel panels.
     */
    static void conv(WorkerPool pool, Scratch[] scratch, float[] out, float[] in, float[] u, float[] bias,
                     int inC, int outC, int h, int w, boolean accumulate) {
        int tw = ceil(w, 2), th = ceil(h, 2), tiles = tw * th;
        int threads = pool.size();
        int groups = ceil(tiles, NR);
        int gpb = Math.max(1, Math.min(ceil(groups, 3 * threads), Math.max(MIN_GROUPS, V_BLOCK / (16 * inC * NR))));
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
            float[] v = sc.wino(16 * ng * inC * NR);             // (16 ξ, ng groups, I, NR)
            float[] m = sc.winoOut(16 * MR * NR);                // (16 ξ, MR, NR)
            float[] eo = sc.winoEo(8 * (VL + 1)), tmp = sc.winoTmp(4 * VL);
            inputTransform(v, in, inC, h, w, tw, t0, nt, ng, eo);
            for (int r = r0; r < r1; r++) {
                for (int g = 0; g < ng; g++) {
                    java.util.Arrays.fill(m, 0, 16 * MR * NR, 0f);
                    for (int xi = 0; xi < 16; xi++) {
                        Gemm.kernel(inC, u, (xi * panels + r) * inC * MR, v, (xi * ng + g) * inC * NR,
                                m, xi * MR * NR, NR, MR, NR, sc.tile);
                    }
                    outputTransform(out, m, bias, r, outC, h, w, tw, t0 + g * NR, Math.min(NR, nt - g * NR), accumulate, tmp);
                }
            }
        });
    }

    /**
     * v[((ξ·ng + g)·I + i)·NR + l] = (Bᵀ d B)[ξ] of tile t0 + g·NR + l of channel i; zero past the last tile.
     * Lanes come VL tiles at a time: when the VL tiles lie in one tile row, the 4 × (2·VL + 2) input patch is
     * split into even and odd columns (zero outside the image), which makes the four tile columns x = 2tx − 1 + c
     * contiguous vectors, and the transform is 48 vector adds and 16 vector stores; other lanes (the last tiles,
     * tile rows that end inside the lane block) go through {@link #inputTile}.
     */
    private static void inputTransform(float[] v, float[] in, int inC, int h, int w, int tw, int t0, int nt, int ng, float[] eo) {
        int xiStride = ng * inC * NR;
        for (int i = 0; i < inC; i++) {
            int plane = i * h * w;
            for (int t = 0; t < ng * NR; t += VL) {
                int dst = ((t / NR) * inC + i) * NR + t % NR;
                int tile = t0 + t, ty = tile / tw, tx = tile - ty * tw;
                if (t + VL <= nt && tx + VL <= tw) {
                    inputVector(v, dst, xiStride, in, plane, h, w, 2 * ty - 1, 2 * tx - 1, eo);
                } else {
                    for (int l = 0; l < VL; l++) inputTile(v, dst + l, xiStride, in, plane, h, w, tw, t + l < nt ? tile + l : -1);
                }
            }
        }
    }

    /** The vector form of {@link #inputTile} for the VL tiles whose patches start at (y0, x0), (y0, x0 + 2), …. */
    private static void inputVector(float[] v, int dst, int s, float[] in, int plane, int h, int w, int y0, int x0, float[] eo) {
        int len = VL + 1;                                       // even (E) and odd (O) columns of 4 rows: eo (4, 2, len)
        for (int r = 0; r < 4; r++) {
            int y = y0 + r, e = r * 2 * len, o = e + len;
            if (y < 0 || y >= h) {
                java.util.Arrays.fill(eo, e, e + 2 * len, 0f);
                continue;
            }
            int row = plane + y * w;
            if (x0 >= 0 && x0 + 2 * len <= w) {
                for (int m = 0; m < len; m++) {
                    eo[e + m] = in[row + x0 + 2 * m];
                    eo[o + m] = in[row + x0 + 2 * m + 1];
                }
            } else {
                for (int m = 0; m < len; m++) {
                    int x = x0 + 2 * m;
                    eo[e + m] = x >= 0 && x < w ? in[row + x] : 0f;
                    eo[o + m] = x + 1 >= 0 && x + 1 < w ? in[row + x + 1] : 0f;
                }
            }
        }
        // d[r][c]: column c of the tiles is E[0..), O[0..), E[1..), O[1..) of row r
        FloatVector d00 = FloatVector.fromArray(F, eo, 0), d01 = FloatVector.fromArray(F, eo, len);
        FloatVector d02 = FloatVector.fromArray(F, eo, 1), d03 = FloatVector.fromArray(F, eo, len + 1);
        int r1 = 2 * len, r2 = 4 * len, r3 = 6 * len;
        FloatVector d10 = FloatVector.fromArray(F, eo, r1), d11 = FloatVector.fromArray(F, eo, r1 + len);
        FloatVector d12 = FloatVector.fromArray(F, eo, r1 + 1), d13 = FloatVector.fromArray(F, eo, r1 + len + 1);
        FloatVector d20 = FloatVector.fromArray(F, eo, r2), d21 = FloatVector.fromArray(F, eo, r2 + len);
        FloatVector d22 = FloatVector.fromArray(F, eo, r2 + 1), d23 = FloatVector.fromArray(F, eo, r2 + len + 1);
        // Bᵀ d on rows; rows 3 are needed only in the last Bᵀ row
        FloatVector a00 = d00.sub(d20), a01 = d01.sub(d21), a02 = d02.sub(d22), a03 = d03.sub(d23);
        FloatVector a10 = d10.add(d20), a11 = d11.add(d21), a12 = d12.add(d22), a13 = d13.add(d23);
        FloatVector a20 = d20.sub(d10), a21 = d21.sub(d11), a22 = d22.sub(d12), a23 = d23.sub(d13);
        FloatVector d30 = FloatVector.fromArray(F, eo, r3), d31 = FloatVector.fromArray(F, eo, r3 + len);
        FloatVector d32 = FloatVector.fromArray(F, eo, r3 + 1), d33 = FloatVector.fromArray(F, eo, r3 + len + 1);
        FloatVector a30 = d10.sub(d30), a31 = d11.sub(d31), a32 = d12.sub(d32), a33 = d13.sub(d33);
        // (Bᵀ d) B on columns
        a00.sub(a02).intoArray(v, dst);          a01.add(a02).intoArray(v, dst + s);
        a02.sub(a01).intoArray(v, dst + 2 * s);  a01.sub(a03).intoArray(v, dst + 3 * s);
        a10.sub(a12).intoArray(v, dst + 4 * s);  a11.add(a12).intoArray(v, dst + 5 * s);
        a12.sub(a11).intoArray(v, dst + 6 * s);  a11.sub(a13).intoArray(v, dst + 7 * s);
        a20.sub(a22).intoArray(v, dst + 8 * s);  a21.add(a22).intoArray(v, dst + 9 * s);
        a22.sub(a21).intoArray(v, dst + 10 * s); a21.sub(a23).intoArray(v, dst + 11 * s);
        a30.sub(a32).intoArray(v, dst + 12 * s); a31.add(a32).intoArray(v, dst + 13 * s);
        a32.sub(a31).intoArray(v, dst + 14 * s); a31.sub(a33).intoArray(v, dst + 15 * s);
    }

    /** One lane of {@link #inputTransform}, scalar: tile {@code tile} (or zeros when it is −1) into v[dst + ξ·s]. */
    private static void inputTile(float[] v, int dst, int s, float[] in, int plane, int h, int w, int tw, int tile) {
        if (tile < 0) {
            for (int xi = 0; xi < 16; xi++) v[dst + xi * s] = 0f;
            return;
        }
        int ty = tile / tw, tx = tile - ty * tw;
        int y0 = 2 * ty - 1, x0 = 2 * tx - 1;
        float d00, d01, d02, d03, d10, d11, d12, d13, d20, d21, d22, d23, d30, d31, d32, d33;
        if (y0 >= 0 && x0 >= 0 && y0 + 3 < h && x0 + 3 < w) {          // interior: no bounds checks
            int p = plane + y0 * w + x0;
            d00 = in[p]; d01 = in[p + 1]; d02 = in[p + 2]; d03 = in[p + 3]; p += w;
            d10 = in[p]; d11 = in[p + 1]; d12 = in[p + 2]; d13 = in[p + 3]; p += w;
            d20 = in[p]; d21 = in[p + 1]; d22 = in[p + 2]; d23 = in[p + 3]; p += w;
            d30 = in[p]; d31 = in[p + 1]; d32 = in[p + 2]; d33 = in[p + 3];
        } else {
            d00 = at(in, plane, h, w, y0, x0); d01 = at(in, plane, h, w, y0, x0 + 1);
            d02 = at(in, plane, h, w, y0, x0 + 2); d03 = at(in, plane, h, w, y0, x0 + 3);
            d10 = at(in, plane, h, w, y0 + 1, x0); d11 = at(in, plane, h, w, y0 + 1, x0 + 1);
            d12 = at(in, plane, h, w, y0 + 1, x0 + 2); d13 = at(in, plane, h, w, y0 + 1, x0 + 3);
            d20 = at(in, plane, h, w, y0 + 2, x0); d21 = at(in, plane, h, w, y0 + 2, x0 + 1);
            d22 = at(in, plane, h, w, y0 + 2, x0 + 2); d23 = at(in, plane, h, w, y0 + 2, x0 + 3);
            d30 = at(in, plane, h, w, y0 + 3, x0); d31 = at(in, plane, h, w, y0 + 3, x0 + 1);
            d32 = at(in, plane, h, w, y0 + 3, x0 + 2); d33 = at(in, plane, h, w, y0 + 3, x0 + 3);
        }
        // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
        float a00 = d00 - d20, a01 = d01 - d21, a02 = d02 - d22, a03 = d03 - d23;
        float a10 = d10 + d20, a11 = d11 + d21, a12 = d12 + d22, a13 = d13 + d23;
        float a20 = d20 - d10, a21 = d21 - d11, a22 = d22 - d12, a23 = d23 - d13;
        float a30 = d10 - d30, a31 = d11 - d31, a32 = d12 - d32, a33 = d13 - d33;
        // (Bᵀ d) B: the same on columns
        v[dst] = a00 - a02;          v[dst + s] = a01 + a02;       v[dst + 2 * s] = a02 - a01;   v[dst + 3 * s] = a01 - a03;
        v[dst + 4 * s] = a10 - a12;  v[dst + 5 * s] = a11 + a12;   v[dst + 6 * s] = a12 - a11;   v[dst + 7 * s] = a11 - a13;
        v[dst + 8 * s] = a20 - a22;  v[dst + 9 * s] = a21 + a22;   v[dst + 10 * s] = a22 - a21;  v[dst + 11 * s] = a21 - a23;
        v[dst + 12 * s] = a30 - a32; v[dst + 13 * s] = a31 + a32;  v[dst + 14 * s] = a32 - a31;  v[dst + 15 * s] = a31 - a33;
    }

    private static float at(float[] in, int plane, int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0f : in[plane + y * w + x];
    }

    /**
     * out[o, 2ty+dy, 2tx+dx] (+)= (Aᵀ M A)[dy,dx] (+ bias) for the panel's channels and tiles t0..t0+nt. VL tiles
     * of one tile row whose 2 × 2 outputs all lie inside the image take the vector form: 16 loads, 24 vector
     * adds, then the four output vectors are interleaved into the two output rows through {@code tmp}.
     */
    private static void outputTransform(float[] out, float[] m, float[] bias, int r, int outC, int h, int w, int tw,
                                        int t0, int nt, boolean accumulate, float[] tmp) {
        int rows = Math.min(MR, outC - r * MR);
        int s = MR * NR;
        for (int rr = 0; rr < rows; rr++) {
            int o = r * MR + rr;
            float b = accumulate || bias == null ? 0f : bias[o];
            int plane = o * h * w;
            for (int l0 = 0; l0 < nt; l0 += VL) {
                int tile = t0 + l0, ty = tile / tw, tx = tile - ty * tw;
                if (l0 + VL <= nt && tx + VL <= tw && 2 * (tx + VL) <= w && 2 * ty + 1 < h) {
                    outputVector(out, m, rr * NR + l0, s, b, plane + 2 * ty * w + 2 * tx, w, accumulate, tmp);
                } else {
                    for (int l = l0; l < Math.min(nt, l0 + VL); l++) outputTile(out, m, rr * NR + l, s, b, plane, h, w, tw, t0 + l, accumulate);
                }
            }
        }
    }

    /** VL tiles from m[j + ξ·s ..] into out at p (row 2ty, column 2tx of the first tile), p + w the row below. */
    private static void outputVector(float[] out, float[] m, int j, int s, float b, int p, int w, boolean accumulate, float[] tmp) {
        FloatVector m0 = FloatVector.fromArray(F, m, j), m4 = FloatVector.fromArray(F, m, j + 4 * s), m8 = FloatVector.fromArray(F, m, j + 8 * s);
        FloatVector m1 = FloatVector.fromArray(F, m, j + s), m5 = FloatVector.fromArray(F, m, j + 5 * s), m9 = FloatVector.fromArray(F, m, j + 9 * s);
        FloatVector m2 = FloatVector.fromArray(F, m, j + 2 * s), m6 = FloatVector.fromArray(F, m, j + 6 * s), m10 = FloatVector.fromArray(F, m, j + 10 * s);
        FloatVector p0 = m0.add(m4).add(m8), p1 = m1.add(m5).add(m9), p2 = m2.add(m6).add(m10);
        (p0.add(p1).add(p2).add(b)).intoArray(tmp, 0);                       // y00
        FloatVector m12 = FloatVector.fromArray(F, m, j + 12 * s), m13 = FloatVector.fromArray(F, m, j + 13 * s), m14 = FloatVector.fromArray(F, m, j + 14 * s);
        FloatVector q0 = m4.sub(m8).sub(m12), q1 = m5.sub(m9).sub(m13), q2 = m6.sub(m10).sub(m14);
        (q0.add(q1).add(q2).add(b)).intoArray(tmp, 2 * VL);                  // y10
        FloatVector m3 = FloatVector.fromArray(F, m, j + 3 * s), m7 = FloatVector.fromArray(F, m, j + 7 * s);
        FloatVector m11 = FloatVector.fromArray(F, m, j + 11 * s), m15 = FloatVector.fromArray(F, m, j + 15 * s);
        FloatVector p3 = m3.add(m7).add(m11), q3 = m7.sub(m11).sub(m15);
        (p1.sub(p2).sub(p3).add(b)).intoArray(tmp, VL);                      // y01
        (q1.sub(q2).sub(q3).add(b)).intoArray(tmp, 3 * VL);                  // y11
        if (accumulate) {
            for (int l = 0; l < VL; l++) {
                out[p + 2 * l] += tmp[l];          out[p + 2 * l + 1] += tmp[VL + l];
                out[p + w + 2 * l] += tmp[2 * VL + l]; out[p + w + 2 * l + 1] += tmp[3 * VL + l];
            }
        } else {
            for (int l = 0; l < VL; l++) {
                out[p + 2 * l] = tmp[l];          out[p + 2 * l + 1] = tmp[VL + l];
                out[p + w + 2 * l] = tmp[2 * VL + l]; out[p + w + 2 * l + 1] = tmp[3 * VL + l];
            }
        }
    }

    /** One tile of {@link #outputTransform}, scalar, clipped at the image's right and bottom edges. */
    private static void outputTile(float[] out, float[] m, int j, int s, float b, int plane, int h, int w, int tw, int tile,
                                   boolean accumulate) {
        float m0 = m[j], m1 = m[j + s], m2 = m[j + 2 * s], m3 = m[j + 3 * s];
        float m4 = m[j + 4 * s], m5 = m[j + 5 * s], m6 = m[j + 6 * s], m7 = m[j + 7 * s];
        float m8 = m[j + 8 * s], m9 = m[j + 9 * s], m10 = m[j + 10 * s], m11 = m[j + 11 * s];
        float m12 = m[j + 12 * s], m13 = m[j + 13 * s], m14 = m[j + 14 * s], m15 = m[j + 15 * s];
        // Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3)
        float p0 = m0 + m4 + m8, p1 = m1 + m5 + m9, p2 = m2 + m6 + m10, p3 = m3 + m7 + m11;
        float q0 = m4 - m8 - m12, q1 = m5 - m9 - m13, q2 = m6 - m10 - m14, q3 = m7 - m11 - m15;
        float y00 = p0 + p1 + p2 + b, y01 = p1 - p2 - p3 + b;
        float y10 = q0 + q1 + q2 + b, y11 = q1 - q2 - q3 + b;
        int ty = tile / tw, tx = tile - ty * tw;
        int y = 2 * ty, x = 2 * tx, p = plane + y * w + x;
        boolean right = x + 1 < w, below = y + 1 < h;
        if (accumulate) {
            out[p] += y00;
            if (right) out[p + 1] += y01;
            if (below) { out[p + w] += y10; if (right) out[p + w + 1] += y11; }
        } else {
            out[p] = y00;
            if (right) out[p + 1] = y01;
            if (below) { out[p + w] = y10; if (right) out[p + w + 1] = y11; }
        }
    }
}
