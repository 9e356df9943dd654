package nst.bench;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.simd.SimdBackend;
import org.openjdk.jmh.annotations.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * 3×3 convolution forward and backward-data of the SIMD backend for every distinct VGG19 conv shape up to
 * conv5 at 256 and 512 px, with the algorithm forced (gemm | winograd). GFLOP/s in the {@code gflop} row.
 * Leaves out the scalar backend (minutes per call at these sizes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBench {
    /** VGG19 layer: "inC-outC-scale" where the spatial size is px / scale (conv1 = 1 … conv5 = 16). */
    @Param({"3-64-1", "64-64-1", "64-128-2", "128-128-2", "128-256-4", "256-256-4", "256-512-8", "512-512-8", "512-512-16"})
    public String layer;
    @Param({"256", "512"}) public int px;
    @Param({"gemm", "winograd"}) public String algo;
    @Param({"0"}) public int threads;

    Backend b;
    Buffer in, out, w, bias, dIn;
    ConvShape s;
    double gflop;

    @Setup public void setup() {
        String[] p = layer.split("-");
        int size = px / Integer.parseInt(p[2]);
        s = ConvShape.vgg3x3(Integer.parseInt(p[0]), Integer.parseInt(p[1]), size, size);
        b = new SimdBackend(threads, SimdBackend.ConvAlgorithm.valueOf(algo.toUpperCase()));
        SplittableRandom r = new SplittableRandom(1);
        in = rand(s.inSize(), r); out = rand(s.outSize(), r); w = rand(s.weightSize(), r); bias = rand(s.outC(), r);
        dIn = b.allocate(s.inSize());
        gflop = 2.0 * s.macs() / 1e9;
    }

    Buffer rand(int n, SplittableRandom r) {
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
