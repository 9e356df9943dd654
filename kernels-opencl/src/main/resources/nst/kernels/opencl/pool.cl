// Pooling kernels of the OpenCL backend: max and average, forward and backward, square window k, stride s,
// no padding. Backward is written in gather form (one work-item per input element) so overlapping windows
// need no atomics. Leaves out padding and ceil mode. Layout (c,h,w) in, (c,oh,ow) out.

// Index of the first maximum of window (y,x) of channel c, row-major; NaN wins, as in PyTorch.
int window_argmax(__global const float* in, int c, int h, int w, int k, int s, int y, int x) {
    int best = -1;
    float bestV = -INFINITY;
    for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
            int j = (c * h + y * s + ky) * w + x * s + kx;
            float v = in[j];
            if (best < 0 || v > bestV || (isnan(v) && !isnan(bestV))) { best = j; bestV = v; }
        }
    }
    return best;
}

// Global size (ow, oh, c).
__kernel void max_pool_forward(__global float* out, __global const float* in, int h, int w, int k, int s, int oh, int ow) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= ow || y >= oh) return;
    out[(c * oh + y) * ow + x] = in[window_argmax(in, c, h, w, k, s, y, x)];
}

// First and last output row (or column) whose window covers input row iy: y*s <= iy < y*s + k.
#define WINDOW_RANGE(i, lo, hi, n) int lo = (i) - k + 1 <= 0 ? 0 : ((i) - k + s) / s; int hi = min((i) / s, (n) - 1);

// Global size (w, h, c): dIn[j] += sum of dOut over the windows whose argmax is j.
__kernel void max_pool_backward(__global float* dIn, __global const float* dOut, __global const float* in,
                                int h, int w, int k, int s, int oh, int ow) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    int j = (c * h + iy) * w + ix;
    WINDOW_RANGE(iy, y0, y1, oh)
    WINDOW_RANGE(ix, x0, x1, ow)
    float sum = 0.0f;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (window_argmax(in, c, h, w, k, s, y, x) == j) sum += dOut[(c * oh + y) * ow + x];
    dIn[j] += sum;
}

// Global size (ow, oh, c).
__kernel void avg_pool_forward(__global float* out, __global const float* in, int h, int w, int k, int s, int oh, int ow) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= ow || y >= oh) return;
    float sum = 0.0f;
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++) sum += in[(c * h + y * s + ky) * w + x * s + kx];
    out[(c * oh + y) * ow + x] = sum / (float) (k * k);
}

// Global size (w, h, c): dIn[j] += dOut / k^2 for every window covering j.
__kernel void avg_pool_backward(__global float* dIn, __global const float* dOut, int h, int w, int k, int s, int oh, int ow) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    WINDOW_RANGE(iy, y0, y1, oh)
    WINDOW_RANGE(ix, x0, x1, ow)
    float inv = 1.0f / (float) (k * k), sum = 0.0f;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) sum += dOut[(c * oh + y) * ow + x] * inv;
    dIn[(c * h + iy) * w + ix] += sum;
}
