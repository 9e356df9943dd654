package nst.engine;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.DeviceException;
import nst.kernels.PadShape;
import nst.kernels.PoolShape;
import nst.kernels.ScalarBackend;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test backend: the scalar reference with faults switched on from a test (an accelerator's
 * DeviceException from the Nth conv2dForward on, a NaN loss from the moment {@link #poison} is set, a delay on
 * the first upload) and a record of the image sizes fed to conv1_1. Leaves out real devices.
 */
public final class FaultyBackend implements Backend {
    private final Backend inner = new ScalarBackend();

    /** Throw a DeviceException from this conv2dForward call on (1-based; a lost device stays lost); 0: never. */
    public volatile int deviceFailureAtConv;
    /** While set, every squared-difference reduction (every loss term but TV) returns NaN. */
    public volatile boolean poison;
    /** Milliseconds the first upload sleeps (slow weights upload); 0: none. */
    public volatile long firstUploadDelayMillis;
    /** conv2dForward calls so far. */
    public volatile int convCalls;
    /** (height, width) of every 3-channel input to a convolution: the images the network saw. */
    public final List<int[]> imageInputs = new CopyOnWriteArrayList<>();
    private boolean uploaded;

    public FaultyBackend() {}

    /** A backend from a spec such as {@code device-at=40} (the part after ':' in {@code --backend faulty:...}). */
    public static FaultyBackend of(String spec) {
        FaultyBackend b = new FaultyBackend();
        if (spec == null || spec.isBlank()) return b;
        for (String kv : spec.split(",")) {
            String[] p = kv.split("=", 2);
            switch (p[0]) {
                case "device-at" -> b.deviceFailureAtConv = Integer.parseInt(p[1]);
                case "delay-ms" -> b.firstUploadDelayMillis = Long.parseLong(p[1]);
                default -> throw new IllegalArgumentException("faulty backend: unknown setting " + p[0]);
            }
        }
        return b;
    }

    @Override public String name() { return "faulty"; }
    @Override public String description() { return "faulty (scalar with injected faults)"; }
    @Override public Buffer allocate(int length) { return inner.allocate(length); }

    @Override public void upload(Buffer dst, float[] src) {
        if (!uploaded) {
            uploaded = true;
            if (firstUploadDelayMillis > 0) {
                try {
                    Thread.sleep(firstUploadDelayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        inner.upload(dst, src);
    }

    @Override public void download(float[] dst, Buffer src) { inner.download(dst, src); }
    @Override public void zero(Buffer dst, int n) { inner.zero(dst, n); }
    @Override public void copy(Buffer dst, Buffer src) { inner.copy(dst, src); }

    @Override public void conv2dForward(Buffer out, Buffer in, Buffer weight, Buffer bias, ConvShape s) {
        int n = ++convCalls;
        if (deviceFailureAtConv > 0 && n >= deviceFailureAtConv)
            throw new DeviceException("conv2dForward", "faulty: conv2dForward failed: CL_OUT_OF_RESOURCES (-5) (injected at call " + n + ")", null);
        if (s.inC() == 3) imageInputs.add(new int[] {s.inH(), s.inW()});
        inner.conv2dForward(out, in, weight, bias, s);
    }

    @Override public void conv2dBackwardData(Buffer dIn, Buffer dOut, Buffer weight, ConvShape s) { inner.conv2dBackwardData(dIn, dOut, weight, s); }
    @Override public void conv2dBackwardWeights(Buffer dW, Buffer dB, Buffer dOut, Buffer in, ConvShape s) { inner.conv2dBackwardWeights(dW, dB, dOut, in, s); }
    @Override public void reluForward(Buffer out, Buffer in, int n) { inner.reluForward(out, in, n); }
    @Override public void reluBackward(Buffer dIn, Buffer dOut, Buffer out, int n) { inner.reluBackward(dIn, dOut, out, n); }
    @Override public void maxPoolForward(Buffer out, Buffer in, PoolShape s) { inner.maxPoolForward(out, in, s); }
    @Override public void maxPoolBackward(Buffer dIn, Buffer dOut, Buffer in, PoolShape s) { inner.maxPoolBackward(dIn, dOut, in, s); }
    @Override public void reluForwardWithMask(Buffer out, Buffer mask, Buffer in, int n) { inner.reluForwardWithMask(out, mask, in, n); }
    @Override public void reluBackwardFromMask(Buffer dIn, Buffer dOut, Buffer mask, int n) { inner.reluBackwardFromMask(dIn, dOut, mask, n); }
    @Override public void maxPoolForwardWithIndex(Buffer out, Buffer index, Buffer in, PoolShape s) { inner.maxPoolForwardWithIndex(out, index, in, s); }
    @Override public void maxPoolBackwardFromIndex(Buffer dIn, Buffer dOut, Buffer index, PoolShape s) { inner.maxPoolBackwardFromIndex(dIn, dOut, index, s); }
    @Override public void avgPoolForward(Buffer out, Buffer in, PoolShape s) { inner.avgPoolForward(out, in, s); }
    @Override public void avgPoolBackward(Buffer dIn, Buffer dOut, PoolShape s) { inner.avgPoolBackward(dIn, dOut, s); }
    @Override public void gemm(Buffer c, Buffer a, Buffer b, int m, int n, int k, boolean tA, boolean tB, float alpha, float beta) {
        inner.gemm(c, a, b, m, n, k, tA, tB, alpha, beta);
    }
    @Override public void gram(Buffer g, Buffer f, int c, int hw, float scale) { inner.gram(g, f, c, hw, scale); }
    @Override public void gramBackward(Buffer dF, Buffer dG, Buffer f, int c, int hw, float scale) { inner.gramBackward(dF, dG, f, c, hw, scale); }

    @Override public double sumSquaredDifference(Buffer a, Buffer b, int n) {
        double v = inner.sumSquaredDifference(a, b, n);
        return poison ? Double.NaN : v;
    }

    @Override public void addScaledDifference(Buffer out, Buffer a, Buffer b, float scale, int n) { inner.addScaledDifference(out, a, b, scale, n); }
    @Override public void addScaled(Buffer out, Buffer in, float scale, int n) { inner.addScaled(out, in, scale, n); }
    @Override public double sumAbs(Buffer a, int n) { return inner.sumAbs(a, n); }
    @Override public void close() { inner.close(); }

    // padding, upsampling and channel statistics (AdaIN): no faults injected
    @Override public void reflectionPadForward(Buffer out, Buffer in, PadShape s) { inner.reflectionPadForward(out, in, s); }
    @Override public void reflectionPadBackward(Buffer dIn, Buffer dOut, PadShape s) { inner.reflectionPadBackward(dIn, dOut, s); }
    @Override public void upsampleNearest2xForward(Buffer out, Buffer in, int c, int h, int w) { inner.upsampleNearest2xForward(out, in, c, h, w); }
    @Override public void upsampleNearest2xBackward(Buffer dIn, Buffer dOut, int c, int h, int w) { inner.upsampleNearest2xBackward(dIn, dOut, c, h, w); }
    @Override public void channelMeanStd(Buffer out, Buffer in, int c, int hw, float eps) { inner.channelMeanStd(out, in, c, hw, eps); }
    @Override public void channelAffine(Buffer out, Buffer in, Buffer coeffs, int c, int hw) { inner.channelAffine(out, in, coeffs, c, hw); }
}
