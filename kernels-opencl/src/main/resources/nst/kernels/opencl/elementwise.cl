// Elementwise kernels and the first stage of the loss reductions. Each reduction work-group writes one
// partial sum (double where the device has cl_khr_fp64, else float); the host adds the partials in double.
// Leaves out the second device stage: there are at most a few hundred partials.

#ifdef NST_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

__kernel void relu_forward(__global float* out, __global const float* in, int n) {
    int j = get_global_id(0);
    if (j < n) out[j] = fmax(in[j], 0.0f);
}

__kernel void relu_backward(__global float* dIn, __global const float* dOut, __global const float* out, int n) {
    int j = get_global_id(0);
    if (j < n && out[j] > 0.0f) dIn[j] += dOut[j];
}

// ReLU with a packed mask (Backend.reluForwardWithMask): one work-item per 16-element word; the word is the exact
// integer value of its bits, stored as a float.
__kernel void relu_forward_mask(__global float* out, __global float* mask, __global const float* in, int n) {
    int word = get_global_id(0), base = word * 16;
    if (base >= n) return;
    uint bits = 0;
    for (int b = 0; b < 16 && base + b < n; b++) {
        float x = in[base + b], v = x > 0.0f || isnan(x) ? x : 0.0f;   // Java's Math.max(x, 0): NaN stays NaN (fmax drops it)
        out[base + b] = v;
        if (v > 0.0f) bits |= 1u << b;
    }
    mask[word] = (float) bits;
}

__kernel void relu_backward_mask(__global float* dIn, __global const float* dOut, __global const float* mask, int n) {
    int j = get_global_id(0);
    if (j < n && ((((uint) mask[j >> 4]) >> (j & 15)) & 1u)) dIn[j] += dOut[j];
}

__kernel void add_scaled_difference(__global float* out, __global const float* a, __global const float* b, float scale, int n) {
    int j = get_global_id(0);
    if (j < n) out[j] += scale * (a[j] - b[j]);
}

__kernel void add_scaled(__global float* out, __global const float* in, float scale, int n) {
    int j = get_global_id(0);
    if (j < n) out[j] += scale * in[j];
}

// Work-group tree reduction of scratch[0..local size) (a power of two) into partial[group].
#define TREE_REDUCE(T)                                                              \
    scratch[lid] = s;                                                               \
    barrier(CLK_LOCAL_MEM_FENCE);                                                   \
    for (int step = get_local_size(0) / 2; step > 0; step >>= 1) {                  \
        if (lid < step) scratch[lid] += scratch[lid + step];                        \
        barrier(CLK_LOCAL_MEM_FENCE);                                               \
    }                                                                               \
    if (lid == 0) partial[get_group_id(0)] = scratch[0];

// sum (a - b)^2 and sum |a|, partial sums in float.
__kernel void sum_squared_difference_f32(__global float* partial, __global const float* a, __global const float* b,
                                         int n, __local float* scratch) {
    int lid = get_local_id(0);
    float s = 0.0f;
    for (int j = get_global_id(0); j < n; j += get_global_size(0)) { float d = a[j] - b[j]; s = fma(d, d, s); }
    TREE_REDUCE(float)
}

__kernel void sum_abs_f32(__global float* partial, __global const float* a, int n, __local float* scratch) {
    int lid = get_local_id(0);
    float s = 0.0f;
    for (int j = get_global_id(0); j < n; j += get_global_size(0)) s += fabs(a[j]);
    TREE_REDUCE(float)
}

#ifdef NST_FP64
// The same with double partial sums (the reference accumulates in double too).
__kernel void sum_squared_difference_f64(__global double* partial, __global const float* a, __global const float* b,
                                         int n, __local double* scratch) {
    int lid = get_local_id(0);
    double s = 0.0;
    for (int j = get_global_id(0); j < n; j += get_global_size(0)) { double d = (double) a[j] - (double) b[j]; s = fma(d, d, s); }
    TREE_REDUCE(double)
}

__kernel void sum_abs_f64(__global double* partial, __global const float* a, int n, __local double* scratch) {
    int lid = get_local_id(0);
    double s = 0.0;
    for (int j = get_global_id(0); j < n; j += get_global_size(0)) s += fabs((double) a[j]);
    TREE_REDUCE(double)
}
#endif
