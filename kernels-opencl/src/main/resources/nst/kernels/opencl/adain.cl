// Kernels the AdaIN networks need (issue 15): reflection padding, nearest-neighbour x2 upsampling, forward and
// backward, per-channel mean and standard deviation, and the per-channel affine map that applies AdaIN. Backward ops are written in gather form (one work-item
// per input element adds up everything that element was copied to), so they need no atomics. Layout (c,h,w).

// The input index padded index i (in [-p, n + p)) reads: -i before the start, 2(n - 1) - i past the end.
int reflect_index(int i, int n) {
    return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

// Global size (ow, oh, c) with ow = w + 2p, oh = h + 2p.
__kernel void reflection_pad_forward(__global float* out, __global const float* in, int h, int w, int p) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    int oh = h + 2 * p, ow = w + 2 * p;
    if (x >= ow || y >= oh) return;
    out[(c * oh + y) * ow + x] = in[(c * h + reflect_index(y - p, h)) * w + reflect_index(x - p, w)];
}

// The padded indices (at most 3, since p < n) that read input index i: i + p itself, p - i when 1 <= i <= p (the
// mirror before the start), 2(n - 1) + p - i when i >= n - 1 - p and i <= n - 2 (the mirror past the end).
// Returns how many it wrote to o.
int padded_sources(int i, int n, int p, int* o) {
    int k = 0;
    o[k++] = i + p;
    if (i >= 1 && i <= p) o[k++] = p - i;
    if (i <= n - 2 && i >= n - 1 - p) o[k++] = 2 * (n - 1) + p - i;
    return k;
}

// Global size (w, h, c): dIn[c,iy,ix] += dOut at every padded position that copied it.
__kernel void reflection_pad_backward(__global float* dIn, __global const float* dOut, int h, int w, int p) {
    int ix = get_global_id(0), iy = get_global_id(1), c = get_global_id(2);
    if (ix >= w || iy >= h) return;
    int oh = h + 2 * p, ow = w + 2 * p;
    int ys[3], xs[3];
    int ny = padded_sources(iy, h, p, ys), nx = padded_sources(ix, w, p, xs);
    float sum = 0.0f;
    for (int a = 0; a < ny; a++)
        for (int b = 0; b < nx; b++) sum += dOut[(c * oh + ys[a]) * ow + xs[b]];
    dIn[(c * h + iy) * w + ix] += sum;
}

// Global size (2w, 2h, c): out[c,y,x] = in[c, y/2, x/2].
__kernel void upsample_nearest2x_forward(__global float* out, __global const float* in, int h, int w) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= 2 * w || y >= 2 * h) return;
    out[(c * 2 * h + y) * 2 * w + x] = in[(c * h + y / 2) * w + x / 2];
}

// Global size (w, h, c): dIn[c,y,x] += the 2x2 block of dOut it was copied to.
__kernel void upsample_nearest2x_backward(__global float* dIn, __global const float* dOut, int h, int w) {
    int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= w || y >= h) return;
    int r0 = (c * 2 * h + 2 * y) * 2 * w + 2 * x, r1 = r0 + 2 * w;
    dIn[(c * h + y) * w + x] += (dOut[r0] + dOut[r1]) + (dOut[r0 + 1] + dOut[r1 + 1]);
}

#define STATS_GROUP 64   // work-items per channel; = STATS_GROUP in OpenClBackend

// Tree sum of scratch[0..STATS_GROUP) into scratch[0], seen by the whole group afterwards.
float group_sum(__local float* scratch, int lid, float s) {
    scratch[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = STATS_GROUP / 2; step > 0; step >>= 1) {
        if (lid < step) scratch[lid] += scratch[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);        // everyone has read it before scratch is reused
    return total;
}

// One work-group of STATS_GROUP items per channel (global size c * STATS_GROUP): two passes over the channel, the
// mean, then the squared deviations from it. out[ch] = mean, out[c + ch] = sqrt(unbiased variance + eps).
__kernel void channel_mean_std(__global float* out, __global const float* in, int c, int hw, float eps) {
    __local float scratch[STATS_GROUP];
    int ch = get_group_id(0), lid = get_local_id(0);
    __global const float* x = in + (long) ch * hw;
    float s = 0.0f;
    for (int j = lid; j < hw; j += STATS_GROUP) s += x[j];
    float mean = group_sum(scratch, lid, s) / (float) hw;
    float q = 0.0f;
    for (int j = lid; j < hw; j += STATS_GROUP) { float d = x[j] - mean; q = fma(d, d, q); }
    float squares = group_sum(scratch, lid, q);
    if (lid == 0) {
        out[ch] = mean;
        out[c + ch] = sqrt(squares / (float) (hw - 1) + eps);
    }
}

// Global size (hw, c): out[ch,j] = coeffs[ch] * in[ch,j] + coeffs[c + ch]; out may be in.
__kernel void channel_affine(__global float* out, __global const float* in, __global const float* coeffs, int c, int hw) {
    int j = get_global_id(0), ch = get_global_id(1);
    if (j >= hw) return;
    long i = (long) ch * hw + j;
    out[i] = fma(coeffs[ch], in[i], coeffs[c + ch]);
}
