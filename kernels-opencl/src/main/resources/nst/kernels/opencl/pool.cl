// Pooling kernels of the OpenCL backend: max and average, forward and backward, square window k, stride s,
// padding p (window (y,x) covers input rows y*s-p .. y*s-p+k-1, likewise columns). Max pooling never picks
// padding (-inf, as in PyTorch); average pooling counts it as 0 and divides by k^2 (count_include_pad).
// Backward is written in gather form (one work-item per input element) so overlapping windows need no
// atomics. Ceil mode (the last window hanging over the bottom/right edge) needs nothing more: the host's
// PoolShape gives oh/ow and every window is clipped to the input; average pooling is floor mode only. Layout (c,h,w) in, (c,oh,ow) out.

// Index of the first maximum of window (y,x) of channel c over its input positions, row-major; NaN wins,
// as in PyTorch (PoolShape.argmax on the host).
int window_argmax(__global const float* in, int c, int h, int w, int k, int s, int p, int y, int x) {
    int best = -1;
    float bestV = -INFINITY;
    int y0 = y * s - p, x0 = x * s - p;
    for (int iy = max(y0, 0); iy < min(y0 + k, h); iy++) {
        for (int ix = max(x0, 0); ix < min(x0 + k, w); ix++) {
            int j = (c * h + iy) * w + ix;
            float v = in[j];
            if (best < 0 || v > bestV || (isnan(v) && !isnan(bestV))) { best = j; bestV = v; }
        }
    }
    return best;
}

// Global size (ow, oh, c).
__kernel void max_pool_forward(__global float* out, __global const float* in, int h, int w, int k, int s, int p,
                               int oh, int ow) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= ow || y >= oh) return;
    out[(c * oh + y) * ow + x] = in[window_argmax(in, c, h, w, k, s, p, y, x)];
}

// First and last output row (or column) whose window covers input row iy, i = iy + p being its padded
// coordinate: y*s <= i < y*s + k.
#define WINDOW_RANGE(i, lo, hi, n) int lo = (i) - k + 1 <= 0 ? 0 : ((i) - k + s) / s; int hi = min((i) / s, (n) - 1);

// Global size (w, h, c): dIn[j] += sum of dOut over the windows whose argmax is j.
__kernel void max_pool_backward(__global float* dIn, __global const float* dOut, __global const float* in,
                                int h, int w, int k, int s, int p, int oh, int ow) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    int j = (c * h + iy) * w + ix;
    WINDOW_RANGE(iy + p, y0, y1, oh)
    WINDOW_RANGE(ix + p, x0, x1, ow)
    float sum = 0.0f;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (window_argmax(in, c, h, w, k, s, p, y, x) == j) sum += dOut[(c * oh + y) * ow + x];
    dIn[j] += sum;
}

// Global size (ow, oh, c).
__kernel void avg_pool_forward(__global float* out, __global const float* in, int h, int w, int k, int s, int p,
                               int oh, int ow) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= ow || y >= oh) return;
    int y0 = y * s - p, x0 = x * s - p;
    float sum = 0.0f;
    for (int iy = max(y0, 0); iy < min(y0 + k, h); iy++)
        for (int ix = max(x0, 0); ix < min(x0 + k, w); ix++) sum += in[(c * h + iy) * w + ix];
    out[(c * oh + y) * ow + x] = sum / (float) (k * k);
}

// Global size (w, h, c): dIn[j] += dOut / k^2 for every window covering j.
__kernel void avg_pool_backward(__global float* dIn, __global const float* dOut, int h, int w, int k, int s, int p,
                                int oh, int ow) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    WINDOW_RANGE(iy + p, y0, y1, oh)
    WINDOW_RANGE(ix + p, x0, x1, ow)
    float inv = 1.0f / (float) (k * k), sum = 0.0f;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) sum += dOut[(c * oh + y) * ow + x] * inv;
    dIn[(c * h + iy) * w + ix] += sum;
}

// Max pooling with a packed argmax index (Backend.maxPoolForwardWithIndex): one work-item per index word, which
// holds 16/bits windows q = (c*oh + y)*ow + x, each as ky*k + kx in `bits` bits; the word is stored as the exact
// integer value of its bits.
__kernel void max_pool_forward_index(__global float* out, __global float* index, __global const float* in, int c, int h,
                                     int w, int k, int s, int p, int oh, int ow, int bits) {
    int word = get_global_id(0), per = 16 / bits, total = c * oh * ow;
    uint packed = 0;
    for (int t = 0; t < per; t++) {
        int q = word * per + t;
        if (q >= total) break;
        int ch = q / (oh * ow), y = q / ow % oh, x = q % ow;
        int a = window_argmax(in, ch, h, w, k, s, p, y, x), r = a - ch * h * w;
        out[q] = in[a];
        packed |= (uint) ((r / w - (y * s - p)) * k + (r % w - (x * s - p))) << (t * bits);
    }
    index[word] = (float) packed;
}

// Global size (w, h, c), gather form as max_pool_backward: dIn[j] += dOut over the windows whose stored argmax is j.
__kernel void max_pool_backward_index(__global float* dIn, __global const float* dOut, __global const float* index,
                                      int h, int w, int k, int s, int p, int oh, int ow, int bits) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    int per = 16 / bits;
    WINDOW_RANGE(iy + p, y0, y1, oh)
    WINDOW_RANGE(ix + p, x0, x1, ow)
    float sum = 0.0f;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            int q = (c * oh + y) * ow + x;
            int at = (int) ((((uint) index[q / per]) >> (q % per * bits)) & ((1u << bits) - 1u));
            if (y * s - p + at / k == iy && x * s - p + at % k == ix) sum += dOut[q];
        }
    dIn[(c * h + iy) * w + ix] += sum;
}
