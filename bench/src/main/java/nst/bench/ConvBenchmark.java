package nst.bench;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;

/**
 * What every convolution benchmark shares: random input, output, weights and bias for one {@link ConvShape} on
 * one backend, and forward and backward-data timed in GFLOP/s (the {@code gflop} row). Subclasses choose the
 * shapes and the backend in their {@code @Setup} and call {@link #prepare} (JMH runs inherited benchmarks).
 */
public abstract class ConvBenchmark {
    Backend b;
    Buffer in, out, w, bias, dIn;
    ConvShape s;
    double gflop;

    /** Allocates the buffers of {@code shape} on {@code backend}, filled from a fixed seed. */
    void prepare(Backend backend, ConvShape shape) {
        b = backend;
        s = shape;
        SplittableRandom r = new SplittableRandom(1);
        in = rand(s.inSize(), r); out = rand(s.outSize(), r); w = rand(s.weightSize(), r); bias = rand(s.outC(), r);
        dIn = b.allocate(s.inSize());
        gflop = 2.0 * s.macs() / 1e9;
    }

    private Buffer rand(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() - 0.5);
        Buffer buf = b.allocate(n);
        b.upload(buf, v);
        return buf;
    }

    @TearDown public void close() { b.close(); }

    @Benchmark public void forward(Flops f) {
        b.conv2dForward(out, in, w, bias, s);
        f.gflop += gflop;
    }

    @Benchmark public void backwardData(Flops f) {
        b.conv2dBackwardData(dIn, out, w, s);
        f.gflop += gflop;
    }
}
