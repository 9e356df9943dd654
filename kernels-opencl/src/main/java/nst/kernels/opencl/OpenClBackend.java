package nst.kernels.opencl;

import nst.kernels.Backend;
import nst.kernels.BackendProvider;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.DeviceException;
import nst.kernels.PadShape;
import nst.kernels.PoolShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenCL backend: every {@link Backend} op as an OpenCL C kernel (resources {@code *.cl}), buffers as device
 * {@code cl_mem}, one in-order queue per instance, driven through {@link Cl}'s FFM bindings. Ops are enqueued
 * without waiting; {@code download} and the reductions wait. Leaves out events, multiple queues, half precision
 * and an im2col/Winograd conv (the tiled 3×3 direct kernel is the fast path).
 */
public final class OpenClBackend implements Backend {

    /** Work-items per reduction group (a power of two) and the most groups one reduction launches. */
    private static final int REDUCE_GROUP = 64, REDUCE_GROUPS = 128;
    /** Work-group shape of conv3x3_tiled and of the 16×16 matrix kernels (see conv.cl and gemm.cl). */
    private static final long[] CONV_LOCAL = {16, 8, 1}, MAT_LOCAL = {16, 16};
    private static final int CONV_OCB = 16;   // = OCB in conv.cl

    /** The kernels every instance creates (plus the two fp64 reductions when the device has fp64). */
    static final List<String> KERNELS = List.of("conv2d_forward", "conv2d_backward_data", "conv2d_backward_weights",
            "conv2d_backward_bias", "conv3x3_tiled", "max_pool_forward", "max_pool_backward", "avg_pool_forward",
            "avg_pool_backward", "gemm_tiled", "gram_tiled", "gram_backward_tiled", "relu_forward", "relu_backward",
            "relu_forward_mask", "relu_backward_mask", "max_pool_forward_index", "max_pool_backward_index",
            "add_scaled_difference", "add_scaled", "sum_squared_difference_f32", "sum_abs_f32",
            // padding, upsampling and channel statistics (AdaIN, adain.cl)
            "reflection_pad_forward", "reflection_pad_backward", "upsample_nearest2x_forward",
            "upsample_nearest2x_backward", "channel_mean_std", "channel_affine");

    /** What kind of handle {@link Releaser} is given. */
    enum Handle { MEM, KERNEL, QUEUE }

    /**
     * Releases one handle. {@link #CL} calls OpenCL; a test passes a wrapper that makes some releases fail the way
     * they do after a lost device, to check that {@link #close} still releases everything else.
     */
    interface Releaser {
        void release(Cl cl, Handle kind, MemorySegment handle);

        Releaser CL = (cl, kind, h) -> {
            switch (kind) {
                case MEM -> cl.releaseMem(h);
                case KERNEL -> cl.releaseKernel(h);
                case QUEUE -> cl.releaseQueue(h);
            }
        };
    }

    private final Cl cl;
    private final Releaser releaser;
    final ClDevice device;
    /** The device's shared context (owned by {@link OpenClRuntime}, not released here). */
    private final MemorySegment context;
    private final MemorySegment queue;
    private final Map<String, MemorySegment> kernels = new LinkedHashMap<>();
    /** Buffers handed out and not yet closed; released by {@link #close}. */
    private final Set<ClBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Reduction partial sums, one per group: double when {@link #fp64Partials}, else float. */
    private final MemorySegment partials;
    private final boolean fp64Partials;
    private final boolean tiledConv;
    /** -Dnst.opencl.sync=true waits after each op, so a device error is reported by the op that caused it. */
    private final boolean syncEachOp = Boolean.getBoolean("nst.opencl.sync");
    private boolean closed;

    /** A backend on {@code device}; partial sums in double when the device has fp64. */
    OpenClBackend(OpenClRuntime rt, ClDevice device) {
        this(rt, device, device.fp64());
    }

    /** Test hook: {@code fp64Partials = false} forces the float partial-sum path on any device. */
    OpenClBackend(OpenClRuntime rt, ClDevice device, boolean fp64Partials) {
        this(rt, device, fp64Partials, Releaser.CL);
    }

    /** Test hook: every handle this instance owns is released through {@code releaser}. */
    OpenClBackend(OpenClRuntime rt, ClDevice device, boolean fp64Partials, Releaser releaser) {
        this(rt, device, fp64Partials, releaser, List.of());
    }

    /**
     * Test hook: {@code extraKernels} are created after the real ones, so a name the program lacks makes the
     * construction fail half-way. On any failure the kernels and the queue created so far are released, each in
     * its own try, and the original error is thrown (naming the device) with failed releases attached as suppressed.
     */
    OpenClBackend(OpenClRuntime rt, ClDevice device, boolean fp64Partials, Releaser releaser, List<String> extraKernels) {
        this.cl = rt.cl;
        this.releaser = releaser;
        this.device = device;
        this.fp64Partials = fp64Partials && device.fp64();
        OpenClRuntime.DeviceProgram prog;
        MemorySegment q = null, part = null;
        try {
            prog = rt.program(device);
            q = cl.createQueue(prog.context(), device.handle(), device.opencl2());
            List<String> names = new ArrayList<>(KERNELS);
            if (this.fp64Partials) names.addAll(List.of("sum_squared_difference_f64", "sum_abs_f64"));
            names.addAll(extraKernels);
            for (String name : names) kernels.put(name, cl.createKernel(prog.program(), name));
            for (String name : List.of("gemm_tiled", "gram_tiled", "gram_backward_tiled")) {
                long max = cl.kernelWorkGroupSize(kernels.get(name), device.handle());
                if (max < 256)
                    throw new OpenClUnavailableException("OpenCL device " + device.name() + " runs " + name
                            + " with at most " + max + " work-items per group; this backend needs 256");
            }
            // -Dnst.opencl.tiled=false forces the general conv kernels (to test and time them)
            tiledConv = !"false".equals(System.getProperty("nst.opencl.tiled"))
                    && cl.kernelWorkGroupSize(kernels.get("conv3x3_tiled"), device.handle()) >= 128;
            part = cl.createBuffer(prog.context(), (long) REDUCE_GROUPS * Double.BYTES);
        } catch (RuntimeException e) {
            // the first error is the one to report: a failed release must neither mask it nor skip the rest
            RuntimeException failure = e instanceof ClException c ? translate("create", device.name(), c) : e;
            List<RuntimeException> cleanup = new ArrayList<>();
            for (MemorySegment k : kernels.values()) attempt(cleanup, () -> releaser.release(cl, Handle.KERNEL, k));
            kernels.clear();
            MemorySegment queueMade = q;
            if (queueMade != null) attempt(cleanup, () -> releaser.release(cl, Handle.QUEUE, queueMade));
            cleanup.forEach(failure::addSuppressed);
            throw failure;
        }
        this.queue = q;
        this.partials = part;
        this.context = prog.context();
    }

    @Override public String name() { return "opencl"; }

    @Override public String description() {
        return "opencl:" + device.index() + " (" + device.typeName() + " " + device.name() + ", " + device.platformName()
                + ", " + device.computeUnits() + " compute units" + (tiledConv ? "" : ", general conv only")
                + ", partial sums " + (fp64Partials ? "fp64" : "fp32") + ")";
    }

    // ---------------------------------------------------------------- buffers

    /** A device buffer of {@code length} floats; {@link #close} releases it (idempotent). */
    final class ClBuffer implements Buffer {
        private MemorySegment mem;       // the cl_mem; null once released
        private final int length;

        private ClBuffer(MemorySegment mem, int length) {
            this.mem = mem;
            this.length = length;
        }

        @Override public int length() { return length; }

        OpenClBackend owner() { return OpenClBackend.this; }

        /** Releases the cl_mem; a failure names the device and is not retried (the handle is forgotten either way). */
        @Override public void close() {
            try {
                release();
            } catch (ClException e) {
                throw translate("Buffer.close", device.name(), e);
            }
        }

        /** Forgets the cl_mem, then releases it: after a failed release the buffer still counts as closed. */
        private void release() {
            if (mem == null) return;
            MemorySegment m = mem;
            mem = null;
            live.remove(this);
            releaser.release(cl, Handle.MEM, m);
        }
    }

    /** Waits until every enqueued op has finished (for timing; download and the reductions wait by themselves). */
    void finish() {
        ensureOpen();                    // the queue is released by close(): clFinish on it would be a use-after-free
        try {
            cl.finish(queue);
        } catch (ClException e) {
            throw translate("finish", device.name(), e);
        }
    }

    /** Number of buffers allocated and not yet closed (tests check that nothing leaks). */
    int liveBuffers() { return live.size(); }

    private MemorySegment mem(Buffer b) {
        if (!(b instanceof ClBuffer cb) || cb.owner() != this)
            throw new IllegalArgumentException("buffer " + (b == null ? "null" : b.getClass().getName())
                    + " does not belong to this OpenCL backend");
        if (cb.mem == null) throw new IllegalArgumentException("OpenCL buffer used after close()");
        return cb.mem;
    }

    @Override
    public Buffer allocate(int length) {
        ensureOpen();
        if (length < 0) throw new IllegalArgumentException("negative buffer length " + length);
        long bytes = Math.max(1, length) * (long) Float.BYTES;     // OpenCL has no empty buffers
        if (bytes > device.maxAllocBytes())
            throw new DeviceException("allocate", String.format("opencl allocate on %s: %d floats (%.2f GiB) exceed the "
                    + "device's largest buffer (%.2f GiB)", device.name(), length, bytes / 1073741824.0,
                    device.maxAllocBytes() / 1073741824.0), null);
        try {
            MemorySegment m = cl.createBuffer(context, bytes);
            ClBuffer b = new ClBuffer(m, length);
            live.add(b);
            cl.fillZero(queue, m, bytes);
            return b;
        } catch (ClException e) {
            throw translate("allocate", device.name(), e);
        }
    }

    @Override
    public void upload(Buffer dst, float[] src) {
        int n = dst.length();
        if (src.length < n) throw new IllegalArgumentException("upload: source has " + src.length + " floats, buffer " + n);
        MemorySegment m = mem(dst);
        if (n == 0) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(ValueLayout.JAVA_FLOAT, n);
            MemorySegment.copy(src, 0, host, ValueLayout.JAVA_FLOAT, 0, n);
            cl.write(queue, m, 0, host);
        } catch (ClException e) {
            throw translate("upload", device.name(), e);
        }
    }

    @Override
    public void download(float[] dst, Buffer src) {
        int n = src.length();
        if (dst.length < n) throw new IllegalArgumentException("download: destination has " + dst.length + " floats, buffer " + n);
        MemorySegment m = mem(src);
        if (n == 0) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(ValueLayout.JAVA_FLOAT, n);
            cl.read(queue, m, 0, host);
            MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, dst, 0, n);
        } catch (ClException e) {
            throw translate("download", device.name(), e);
        }
    }

    @Override
    public void zero(Buffer dst, int n) {
        MemorySegment m = mem(dst);
        if (n <= 0) return;
        try {
            cl.fillZero(queue, m, n * (long) Float.BYTES);
        } catch (ClException e) {
            throw translate("zero", device.name(), e);
        }
    }

    @Override
    public void copy(Buffer dst, Buffer src) {
        if (dst.length() < src.length())
            throw new IllegalArgumentException("copy: destination has " + dst.length() + " floats, source " + src.length());
        MemorySegment d = mem(dst), s = mem(src);
        if (src.length() == 0) return;
        try {
            cl.copy(queue, s, d, src.length() * (long) Float.BYTES);
        } catch (ClException e) {
            throw translate("copy", device.name(), e);
        }
    }

    // ---------------------------------------------------------------- convolution

    /** The tiled kernel applies to 3×3 stride-1 convolutions (any padding for forward, ≤ 2 for backward). */
    private boolean tiled3x3(ConvShape s, boolean backward) {
        return tiledConv && s.kH() == 3 && s.kW() == 3 && s.strideH() == 1 && s.strideW() == 1
                && (!backward || (s.padH() <= 2 && s.padW() <= 2));
    }

    @Override
    public void conv2dForward(Buffer out, Buffer in, Buffer weight, Buffer bias, ConvShape s) {
        int oh = s.outH(), ow = s.outW();
        if (tiled3x3(s, false)) {
            // out = conv(in, weight): weight element (o, i, ky, kx) at o·inC·9 + i·9 + ky·3 + kx.
            launch("conv2dForward", "conv3x3_tiled", convGrid(ow, oh, s.outC()), CONV_LOCAL,
                    out, in, weight, bias, bias == null ? 0 : 1, 0,
                    s.inC(), s.inH(), s.inW(), s.outC(), oh, ow, s.padH(), s.padW(),
                    0, s.inC() * 9, 9, 3, 1);
        } else {
            launch("conv2dForward", "conv2d_forward", new long[] {ow, oh, s.outC()}, null,
                    out, in, weight, bias, bias == null ? 0 : 1, s.inC(), s.inH(), s.inW(), s.outC(), oh, ow,
                    s.kH(), s.kW(), s.strideH(), s.strideW(), s.padH(), s.padW());
        }
    }

    @Override
    public void conv2dBackwardData(Buffer dIn, Buffer dOut, Buffer weight, ConvShape s) {
        int oh = s.outH(), ow = s.outW();
        if (tiled3x3(s, true)) {
            // dIn += conv(dOut, flipped weightᵀ) with padding 2 − p: the "output channel" of this convolution is
            // the layer's input channel i, its "input channel" the layer's output channel o, and tap (ky, kx)
            // reads weight (o, i, 2−ky, 2−kx) at o·inC·9 + i·9 + 8 − 3·ky − kx.
            launch("conv2dBackwardData", "conv3x3_tiled", convGrid(s.inW(), s.inH(), s.inC()), CONV_LOCAL,
                    dIn, dOut, weight, null, 0, 1,
                    s.outC(), oh, ow, s.inC(), s.inH(), s.inW(), 2 - s.padH(), 2 - s.padW(),
                    8, 9, s.inC() * 9, -3, -1);
        } else {
            launch("conv2dBackwardData", "conv2d_backward_data", new long[] {s.inW(), s.inH(), s.inC()}, null,
                    dIn, dOut, weight, s.inC(), s.inH(), s.inW(), s.outC(), oh, ow,
                    s.kH(), s.kW(), s.strideH(), s.strideW(), s.padH(), s.padW());
        }
    }

    @Override
    public void conv2dBackwardWeights(Buffer dWeight, Buffer dBias, Buffer dOut, Buffer in, ConvShape s) {
        int oh = s.outH(), ow = s.outW();
        launch("conv2dBackwardWeights", "conv2d_backward_weights", new long[] {s.weightSize()}, null,
                dWeight, dOut, in, s.inC(), s.inH(), s.inW(), s.outC(), oh, ow,
                s.kH(), s.kW(), s.strideH(), s.strideW(), s.padH(), s.padW());
        if (dBias != null)
            launch("conv2dBackwardWeights", "conv2d_backward_bias", new long[] {s.outC()}, null, dBias, dOut, s.outC(), oh * ow);
    }

    private static long[] convGrid(int w, int h, int channels) {
        return new long[] {roundUp(w, CONV_LOCAL[0]), roundUp(h, CONV_LOCAL[1]), (channels + CONV_OCB - 1) / CONV_OCB};
    }

    // ---------------------------------------------------------------- activations and pooling

    @Override
    public void reluForward(Buffer out, Buffer in, int n) {
        if (n > 0) launch("reluForward", "relu_forward", new long[] {n}, null, out, in, n);
    }

    @Override
    public void reluBackward(Buffer dIn, Buffer dOut, Buffer out, int n) {
        if (n > 0) launch("reluBackward", "relu_backward", new long[] {n}, null, dIn, dOut, out, n);
    }

    @Override
    public void maxPoolForward(Buffer out, Buffer in, PoolShape s) {
        launch("maxPoolForward", "max_pool_forward", new long[] {s.outW(), s.outH(), s.c()}, null,
                out, in, s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW());
    }

    @Override
    public void maxPoolBackward(Buffer dIn, Buffer dOut, Buffer in, PoolShape s) {
        launch("maxPoolBackward", "max_pool_backward", new long[] {s.w(), s.h(), s.c()}, null,
                dIn, dOut, in, s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW());
    }

    @Override
    public void reluForwardWithMask(Buffer out, Buffer mask, Buffer in, int n) {
        if (n > 0) launch("reluForwardWithMask", "relu_forward_mask", new long[] {Backend.maskLength(n)}, null, out, mask, in, n);
    }

    @Override
    public void reluBackwardFromMask(Buffer dIn, Buffer dOut, Buffer mask, int n) {
        if (n > 0) launch("reluBackwardFromMask", "relu_backward_mask", new long[] {n}, null, dIn, dOut, mask, n);
    }

    @Override
    public void maxPoolForwardWithIndex(Buffer out, Buffer index, Buffer in, PoolShape s) {
        launch("maxPoolForwardWithIndex", "max_pool_forward_index", new long[] {s.indexLength()}, null,
                out, index, in, s.c(), s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW(), s.indexBits());
    }

    @Override
    public void maxPoolBackwardFromIndex(Buffer dIn, Buffer dOut, Buffer index, PoolShape s) {
        launch("maxPoolBackwardFromIndex", "max_pool_backward_index", new long[] {s.w(), s.h(), s.c()}, null,
                dIn, dOut, index, s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW(), s.indexBits());
    }

    @Override
    public void avgPoolForward(Buffer out, Buffer in, PoolShape s) {
        s.requireFloor("average pooling");
        launch("avgPoolForward", "avg_pool_forward", new long[] {s.outW(), s.outH(), s.c()}, null,
                out, in, s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW());
    }

    @Override
    public void avgPoolBackward(Buffer dIn, Buffer dOut, PoolShape s) {
        s.requireFloor("average pooling");
        launch("avgPoolBackward", "avg_pool_backward", new long[] {s.w(), s.h(), s.c()}, null,
                dIn, dOut, s.h(), s.w(), s.k(), s.stride(), s.pad(), s.outH(), s.outW());
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemm(Buffer c, Buffer a, Buffer b, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        if (m <= 0 || n <= 0) return;
        launch("gemm", "gemm_tiled", new long[] {roundUp(n, 16), roundUp(m, 16)}, MAT_LOCAL,
                c, a, b, m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta);
    }

    @Override
    public void gram(Buffer g, Buffer f, int c, int hw, float scale) {
        if (c <= 0) return;
        launch("gram", "gram_tiled", new long[] {roundUp(c, 16), roundUp(c, 16)}, MAT_LOCAL, g, f, c, hw, scale);
    }

    @Override
    public void gramBackward(Buffer dF, Buffer dG, Buffer f, int c, int hw, float scale) {
        if (c <= 0 || hw <= 0) return;
        launch("gramBackward", "gram_backward_tiled", new long[] {roundUp(hw, 16), roundUp(c, 16)}, MAT_LOCAL,
                dF, dG, f, c, hw, scale);
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    public double sumSquaredDifference(Buffer a, Buffer b, int n) {
        return reduce("sumSquaredDifference", "sum_squared_difference", n, a, b);
    }

    @Override
    public void addScaledDifference(Buffer out, Buffer a, Buffer b, float scale, int n) {
        if (n > 0) launch("addScaledDifference", "add_scaled_difference", new long[] {n}, null, out, a, b, scale, n);
    }

    @Override
    public void addScaled(Buffer out, Buffer in, float scale, int n) {
        if (n > 0) launch("addScaled", "add_scaled", new long[] {n}, null, out, in, scale, n);
    }

    @Override
    public double sumAbs(Buffer a, int n) {
        return reduce("sumAbs", "sum_abs", n, a);
    }

    /**
     * Two-stage reduction: up to {@link #REDUCE_GROUPS} work-groups each write one partial sum (double or float),
     * then the host adds the partials in double.
     */
    private double reduce(String op, String kernel, int n, Buffer... inputs) {
        if (n <= 0) return 0;
        int groups = Math.min(REDUCE_GROUPS, (n + REDUCE_GROUP - 1) / REDUCE_GROUP);
        int elem = fp64Partials ? Double.BYTES : Float.BYTES;
        Object[] args = new Object[inputs.length + 3];
        args[0] = partials;
        System.arraycopy(inputs, 0, args, 1, inputs.length);
        args[inputs.length + 1] = n;
        args[inputs.length + 2] = new Local((long) REDUCE_GROUP * elem);
        launch(op, kernel + (fp64Partials ? "_f64" : "_f32"), new long[] {(long) groups * REDUCE_GROUP},
                new long[] {REDUCE_GROUP}, args);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) groups * elem);
            cl.read(queue, partials, 0, host);
            double sum = 0;
            for (int g = 0; g < groups; g++)
                sum += fp64Partials ? host.getAtIndex(ValueLayout.JAVA_DOUBLE, g) : host.getAtIndex(ValueLayout.JAVA_FLOAT, g);
            return sum;
        } catch (ClException e) {
            throw translate(op, device.name(), e);
        }
    }

    // ---------------------------------------------------------------- launching

    /** A {@code __local} argument of this many bytes. */
    private record Local(long bytes) {}

    /**
     * Sets the arguments of {@code kernel} in order (Buffer or null → cl_mem, raw MemorySegment → cl_mem handle,
     * Integer → int, Float → float, {@link Local} → local memory) and enqueues it over {@code global}.
     */
    private void launch(String op, String kernel, long[] global, long[] local, Object... args) {
        ensureOpen();
        MemorySegment k = kernels.get(kernel);
        try (Arena a = Arena.ofConfined()) {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case null -> cl.setArg(k, i, ValueLayout.ADDRESS.byteSize(), MemorySegment.NULL, kernel);
                    case Buffer b -> cl.setArg(k, i, ValueLayout.ADDRESS.byteSize(), a.allocateFrom(ValueLayout.ADDRESS, mem(b)), kernel);
                    case MemorySegment m -> cl.setArg(k, i, ValueLayout.ADDRESS.byteSize(), a.allocateFrom(ValueLayout.ADDRESS, m), kernel);
                    case Integer v -> cl.setArg(k, i, Integer.BYTES, a.allocateFrom(ValueLayout.JAVA_INT, v), kernel);
                    case Float v -> cl.setArg(k, i, Float.BYTES, a.allocateFrom(ValueLayout.JAVA_FLOAT, v), kernel);
                    case Local l -> cl.setArg(k, i, l.bytes(), MemorySegment.NULL, kernel);
                    default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i].getClass());
                }
            }
            cl.enqueue(queue, k, global, local, kernel);
            if (syncEachOp) cl.finish(queue);
        } catch (ClException e) {
            throw translate(op, device.name(), e);
        }
    }

    /**
     * Device failures (out of device memory or resources, device lost) become {@link DeviceException}; every
     * other CL error stays a {@link ClException}. Both messages name the op and the device.
     */
    static RuntimeException translate(String op, String deviceName, ClException e) {
        String msg = "opencl " + op + " on " + deviceName + ": " + e.getMessage();
        if (Cl.isDeviceError(e.code())) return new DeviceException(op, msg, e);
        return new ClException(e.call(), e.code(), msg);
    }

    private static long roundUp(long v, long multiple) {
        return (v + multiple - 1) / multiple * multiple;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("OpenCL backend used after close()");
    }

    /**
     * Waits for the queue, then releases every live buffer, the partial-sum buffer, the kernels and the queue (the
     * shared program stays). Each step runs even when an earlier one failed (after a lost device every call may
     * fail), so one failure does not leak the handles after it. The first failure is thrown at the end, naming the
     * device (a {@link DeviceException} for device errors), with the others attached as suppressed exceptions.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        int steps = 0;
        steps += attempt(failures, () -> cl.finish(queue));
        for (ClBuffer b : new ArrayList<>(live)) steps += attempt(failures, b::release);
        steps += attempt(failures, () -> releaser.release(cl, Handle.MEM, partials));
        for (MemorySegment k : kernels.values()) steps += attempt(failures, () -> releaser.release(cl, Handle.KERNEL, k));
        kernels.clear();
        steps += attempt(failures, () -> releaser.release(cl, Handle.QUEUE, queue));
        if (failures.isEmpty()) return;
        RuntimeException first = failures.getFirst();
        if (first instanceof ClException c) {
            String more = failures.size() == 1 ? "" : "; " + (failures.size() - 1) + " more of " + steps
                    + " clean-up calls failed too (suppressed); every handle was still released";
            first = translate("close", device.name(), new ClException(c.call(), c.code(), c.getMessage() + more));
        }
        for (RuntimeException f : failures.subList(1, failures.size())) first.addSuppressed(f);
        throw first;
    }

    /** Runs one clean-up step, collecting its failure instead of throwing it; returns 1 (a step was made). */
    private static int attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        return 1;
    }

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)

    /** Work-items per channel of channel_mean_std (= STATS_GROUP in adain.cl). */
    private static final int STATS_GROUP = 64;

    @Override
    public void reflectionPadForward(Buffer out, Buffer in, PadShape s) {
        launch("reflectionPadForward", "reflection_pad_forward", new long[] {s.outW(), s.outH(), s.c()}, null,
                out, in, s.h(), s.w(), s.pad());
    }

    @Override
    public void reflectionPadBackward(Buffer dIn, Buffer dOut, PadShape s) {
        launch("reflectionPadBackward", "reflection_pad_backward", new long[] {s.w(), s.h(), s.c()}, null,
                dIn, dOut, s.h(), s.w(), s.pad());
    }

    @Override
    public void upsampleNearest2xForward(Buffer out, Buffer in, int c, int h, int w) {
        if (c > 0 && h > 0 && w > 0)
            launch("upsampleNearest2xForward", "upsample_nearest2x_forward", new long[] {2L * w, 2L * h, c}, null, out, in, h, w);
    }

    @Override
    public void upsampleNearest2xBackward(Buffer dIn, Buffer dOut, int c, int h, int w) {
        if (c > 0 && h > 0 && w > 0)
            launch("upsampleNearest2xBackward", "upsample_nearest2x_backward", new long[] {w, h, c}, null, dIn, dOut, h, w);
    }

    @Override
    public void channelMeanStd(Buffer out, Buffer in, int c, int hw, float eps) {
        if (c > 0 && hw > 0)
            launch("channelMeanStd", "channel_mean_std", new long[] {(long) c * STATS_GROUP}, new long[] {STATS_GROUP},
                    out, in, c, hw, eps);
    }

    @Override
    public void channelAffine(Buffer out, Buffer in, Buffer coeffs, int c, int hw) {
        if (c > 0 && hw > 0)
            launch("channelAffine", "channel_affine", new long[] {hw, c}, null, out, in, coeffs, c, hw);
    }

    // ---------------------------------------------------------------- selection

    /**
     * The device for {@code spec}: null or empty → the first GPU, else the first device; {@code N} → device N of the
     * flat list over all platforms.
     *
     * @throws IllegalArgumentException when there is no device, or N is not a valid index (the message lists the devices)
     */
    static ClDevice select(List<ClDevice> devices, String spec) {
        if (devices.isEmpty()) throw new OpenClUnavailableException("no OpenCL device found");
        if (spec == null || spec.isBlank()) {
            for (ClDevice d : devices) if (d.isGpu()) return d;
            return devices.getFirst();
        }
        int index;
        try {
            index = Integer.parseInt(spec.trim());
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0 || index >= devices.size()) {
            List<String> known = new ArrayList<>();
            for (ClDevice d : devices) known.add(d.describe());
            throw new IllegalArgumentException("no OpenCL device '" + spec + "': use opencl:N with N from 0 to "
                    + (devices.size() - 1) + "; devices:\n  " + String.join("\n  ", known));
        }
        return devices.get(index);
    }

    /** Null when {@code --backend auto} may take OpenCL (a GPU is present); otherwise why it does not. */
    static String autoSkipReason(List<ClDevice> devices) {
        for (ClDevice d : devices) if (d.isGpu()) return null;
        List<String> names = new ArrayList<>();
        for (ClDevice d : devices) names.add(d.typeName() + " " + d.name());
        return "no OpenCL GPU (only " + String.join(", ", names) + "); --backend opencl uses it explicitly";
    }

    /** ServiceLoader entry: {@code opencl} (first GPU, else first device) or {@code opencl:N}. */
    public static final class Provider implements BackendProvider {
        @Override public String name() { return "opencl"; }

        /** Above the SIMD backend (100): under auto, a GPU wins. */
        @Override public int priority() { return 200; }

        @Override public String unavailableReason() {
            try {
                return OpenClRuntime.get().noDeviceReason();
            } catch (OpenClUnavailableException e) {
                return e.getMessage();
            }
        }

        @Override public String autoSkipReason() {
            String why = unavailableReason();
            return why != null ? why : OpenClBackend.autoSkipReason(OpenClRuntime.get().devices);
        }

        @Override public List<String> details() {
            OpenClRuntime rt;
            try {
                rt = OpenClRuntime.get();
            } catch (OpenClUnavailableException e) {
                return List.of();
            }
            List<String> lines = new ArrayList<>();
            String platform = null;
            for (ClDevice d : rt.devices) {
                if (!d.platformName().equals(platform)) {
                    platform = d.platformName();
                    lines.add("platform " + platform + " (" + d.platformVersion() + ")");
                }
                lines.add("  " + d.describe());
            }
            lines.addAll(rt.problems);
            return lines;
        }

        @Override public Backend create(String device, int threads) {
            OpenClRuntime rt = OpenClRuntime.get();
            String why = rt.noDeviceReason();
            if (why != null) throw new OpenClUnavailableException(why);
            return new OpenClBackend(rt, select(rt.devices, device));
        }
    }
}
