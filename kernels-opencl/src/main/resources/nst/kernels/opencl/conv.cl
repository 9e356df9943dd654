// Convolution kernels of the OpenCL backend (OpenCL C 1.2): a general direct convolution for any kernel,
// stride and padding, a local-memory tiled 3x3 stride-1 path (forward, and backward-data as a flipped
// convolution), and backward-weights. Leaves out Winograd, im2col and dilation/groups (VGG uses neither).
// Layouts: in (inC,inH,inW), out (outC,outH,outW), weight (outC,inC,kH,kW), all row-major floats.

// One work-item per output element; global size (outW, outH, outC) exactly.
__kernel void conv2d_forward(__global float* out, __global const float* in, __global const float* w,
                             __global const float* bias, int hasBias,
                             int inC, int inH, int inW, int outC, int outH, int outW,
                             int kH, int kW, int sH, int sW, int pH, int pW) {
    int x = get_global_id(0), y = get_global_id(1), o = get_global_id(2);
    if (x >= outW || y >= outH || o >= outC) return;
    float sum = 0.0f;
    for (int i = 0; i < inC; i++) {
        for (int ky = 0; ky < kH; ky++) {
            int iy = y * sH - pH + ky;
            if (iy < 0 || iy >= inH) continue;
            __global const float* wRow = w + ((o * inC + i) * kH + ky) * kW;
            __global const float* inRow = in + (i * inH + iy) * inW;
            for (int kx = 0; kx < kW; kx++) {
                int ix = x * sW - pW + kx;
                if (ix < 0 || ix >= inW) continue;
                sum = fma(wRow[kx], inRow[ix], sum);
            }
        }
    }
    out[(o * outH + y) * outW + x] = sum + (hasBias ? bias[o] : 0.0f);
}

// Gradient w.r.t. the input, gather form: one work-item per input element sums over the outputs whose
// window covers it, then adds (+=). Global size (inW, inH, inC) exactly.
__kernel void conv2d_backward_data(__global float* dIn, __global const float* dOut, __global const float* w,
                                   int inC, int inH, int inW, int outC, int outH, int outW,
                                   int kH, int kW, int sH, int sW, int pH, int pW) {
    int ix = get_global_id(0), iy = get_global_id(1), i = get_global_id(2);
    if (ix >= inW || iy >= inH || i >= inC) return;
    float sum = 0.0f;
    for (int o = 0; o < outC; o++) {
        for (int ky = 0; ky < kH; ky++) {
            int ty = iy + pH - ky;                       // = y * sH
            if (ty < 0 || ty % sH != 0) continue;
            int y = ty / sH;
            if (y >= outH) continue;
            for (int kx = 0; kx < kW; kx++) {
                int tx = ix + pW - kx;                   // = x * sW
                if (tx < 0 || tx % sW != 0) continue;
                int x = tx / sW;
                if (x >= outW) continue;
                sum = fma(w[((o * inC + i) * kH + ky) * kW + kx], dOut[(o * outH + y) * outW + x], sum);
            }
        }
    }
    dIn[(i * inH + iy) * inW + ix] += sum;
}

// Gradient w.r.t. the weights: one work-item per weight element (global size outC*inC*kH*kW), summing over
// the output plane; adds (+=). General and simple: style transfer never calls it.
__kernel void conv2d_backward_weights(__global float* dW, __global const float* dOut, __global const float* in,
                                      int inC, int inH, int inW, int outC, int outH, int outW,
                                      int kH, int kW, int sH, int sW, int pH, int pW) {
    int idx = get_global_id(0);
    if (idx >= outC * inC * kH * kW) return;
    int kx = idx % kW, ky = (idx / kW) % kH, i = (idx / (kW * kH)) % inC, o = idx / (kW * kH * inC);
    float sum = 0.0f;
    for (int y = 0; y < outH; y++) {
        int iy = y * sH - pH + ky;
        if (iy < 0 || iy >= inH) continue;
        for (int x = 0; x < outW; x++) {
            int ix = x * sW - pW + kx;
            if (ix < 0 || ix >= inW) continue;
            sum = fma(dOut[(o * outH + y) * outW + x], in[(i * inH + iy) * inW + ix], sum);
        }
    }
    dW[idx] += sum;
}

// dBias[o] += sum of dOut's plane o; global size outC.
__kernel void conv2d_backward_bias(__global float* dBias, __global const float* dOut, int outC, int plane) {
    int o = get_global_id(0);
    if (o >= outC) return;
    float sum = 0.0f;
    for (int j = 0; j < plane; j++) sum += dOut[o * plane + j];
    dBias[o] += sum;
}

// ------------------------------------------------------------------ tiled 3x3, stride 1
// A work-group computes a TW x TH patch of output pixels for OCB output channels. Per step it stages ICB
// input channels of the (TH+2) x (TW+2) input patch and the matching OCB x ICB x 9 weights in local memory.
// Weight addressing is by strides so the same kernel runs backward-data as a convolution of dOut with the
// flipped, transposed weights: w[base + o*sO + i*sI + ky*sKy + kx*sKx].
#define TW 16
#define TH 8
#define OCB 16
#define ICB 8

__kernel __attribute__((reqd_work_group_size(TW, TH, 1)))
void conv3x3_tiled(__global float* out, __global const float* in, __global const float* w,
                   __global const float* bias, int hasBias, int accumulate,
                   int inC, int inH, int inW, int outC, int outH, int outW, int pH, int pW,
                   int wBase, int sO, int sI, int sKy, int sKx) {
    __local float tile[ICB][TH + 2][TW + 2];   // input patch, zero outside the image
    __local float wt[OCB][ICB][9];             // weights of this group's output channels
    int lx = get_local_id(0), ly = get_local_id(1), lid = ly * TW + lx;
    int x = get_group_id(0) * TW + lx, y = get_group_id(1) * TH + ly;
    int o0 = get_group_id(2) * OCB;
    int x0 = get_group_id(0) * TW - pW, y0 = get_group_id(1) * TH - pH;
    float acc[OCB];
    for (int q = 0; q < OCB; q++) acc[q] = 0.0f;

    for (int i0 = 0; i0 < inC; i0 += ICB) {
        for (int t = lid; t < ICB * (TH + 2) * (TW + 2); t += TW * TH) {
            int ci = t / ((TH + 2) * (TW + 2)), r = t % ((TH + 2) * (TW + 2));
            int ty = r / (TW + 2), tx = r % (TW + 2);
            int i = i0 + ci, iy = y0 + ty, ix = x0 + tx;
            tile[ci][ty][tx] = (i < inC && iy >= 0 && iy < inH && ix >= 0 && ix < inW) ? in[(i * inH + iy) * inW + ix] : 0.0f;
        }
        for (int t = lid; t < OCB * ICB * 9; t += TW * TH) {
            int q = t / (ICB * 9), r = t % (ICB * 9), ci = r / 9, k = r % 9;
            int o = o0 + q, i = i0 + ci;
            wt[q][ci][k] = (o < outC && i < inC) ? w[wBase + o * sO + i * sI + (k / 3) * sKy + (k % 3) * sKx] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int ci = 0; ci < ICB; ci++) {
            float v[9];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) v[ky * 3 + kx] = tile[ci][ly + ky][lx + kx];
            for (int q = 0; q < OCB; q++)
                for (int k = 0; k < 9; k++) acc[q] = fma(wt[q][ci][k], v[k], acc[q]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (x < outW && y < outH) {
        for (int q = 0; q < OCB; q++) {
            int o = o0 + q;
            if (o >= outC) break;
            int j = (o * outH + y) * outW + x;
            float r = acc[q] + (hasBias ? bias[o] : 0.0f);
            out[j] = accumulate ? out[j] + r : r;
        }
    }
}
