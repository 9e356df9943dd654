// Matrix kernels of the OpenCL backend: a 16x16 local-memory tiled GEMM (every transposition, alpha/beta),
// the Gram matrix (lower-triangle tiles only, mirrored) and its backward. One output element per work-item;
// leaves out register blocking and vector loads (readable first; the tile size is the only tuning).

#define TS 16

// C := alpha * op(A) op(B) + beta * C; C (m,n), op(A) (m,k), op(B) (k,n). Global (ceil16(n), ceil16(m)).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void gemm_tiled(__global float* c, __global const float* a, __global const float* b,
                int m, int n, int k, int transA, int transB, float alpha, float beta) {
    __local float As[TS][TS + 1];   // op(A)[i0 + row][p0 + col]
    __local float Bs[TS][TS + 1];   // op(B)[p0 + row][j0 + col]
    int lx = get_local_id(0), ly = get_local_id(1);
    int j = get_group_id(0) * TS + lx, i = get_group_id(1) * TS + ly;
    float acc = 0.0f;
    for (int p0 = 0; p0 < k; p0 += TS) {
        int pa = p0 + lx, pb = p0 + ly;
        As[ly][lx] = (i < m && pa < k) ? (transA ? a[pa * m + i] : a[i * k + pa]) : 0.0f;
        Bs[ly][lx] = (pb < k && j < n) ? (transB ? b[j * k + pb] : b[pb * n + j]) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int q = 0; q < TS; q++) acc = fma(As[ly][q], Bs[q][lx], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < m && j < n) {
        float r = alpha * acc;
        if (beta != 0.0f) r += beta * c[i * n + j];   // beta = 0 ignores C's old contents (even NaN)
        c[i * n + j] = r;
    }
}

// G := scale * F F^T, F (c, hw). Tiles above the diagonal exit at once; each lower tile writes g[i][j]
// and its mirror g[j][i]. Global (ceil16(c), ceil16(c)).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void gram_tiled(__global float* g, __global const float* f, int c, int hw, float scale) {
    int bj = get_group_id(0), bi = get_group_id(1);
    if (bj > bi) return;                 // the whole group leaves together, before any barrier
    __local float Fi[TS][TS + 1];        // rows bi*TS.., columns p0..
    __local float Fj[TS][TS + 1];        // rows bj*TS.., columns p0..
    int lx = get_local_id(0), ly = get_local_id(1);
    int i = bi * TS + ly, j = bj * TS + lx;
    float acc = 0.0f;
    for (int p0 = 0; p0 < hw; p0 += TS) {
        int p = p0 + lx;
        int ri = bi * TS + ly, rj = bj * TS + ly;
        Fi[ly][lx] = (ri < c && p < hw) ? f[ri * hw + p] : 0.0f;
        Fj[ly][lx] = (rj < c && p < hw) ? f[rj * hw + p] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int q = 0; q < TS; q++) acc = fma(Fi[ly][q], Fj[lx][q], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < c && j < c && j <= i) {
        float v = scale * acc;
        g[i * c + j] = v;
        g[j * c + i] = v;
    }
}

// dF += scale * (dG + dG^T) F with dG (c,c), F and dF (c,hw). Global (ceil16(hw), ceil16(c)).
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void gram_backward_tiled(__global float* dF, __global const float* dG, __global const float* f,
                         int c, int hw, float scale) {
    __local float As[TS][TS + 1];   // (dG + dG^T)[i0 + row][j0 + col]
    __local float Bs[TS][TS + 1];   // F[j0 + row][p0 + col]
    int lx = get_local_id(0), ly = get_local_id(1);
    int p = get_group_id(0) * TS + lx, i = get_group_id(1) * TS + ly;
    float acc = 0.0f;
    for (int j0 = 0; j0 < c; j0 += TS) {
        int ja = j0 + lx, jb = j0 + ly;
        As[ly][lx] = (i < c && ja < c) ? dG[i * c + ja] + dG[ja * c + i] : 0.0f;
        Bs[ly][lx] = (jb < c && p < hw) ? f[jb * hw + p] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int q = 0; q < TS; q++) acc = fma(As[ly][q], Bs[q][lx], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < c && p < hw) dF[i * hw + p] += scale * acc;
}
