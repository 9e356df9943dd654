package nst.bench;

import nst.kernels.ConvShape;
import nst.kernels.simd.SimdBackend;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * ResNet-50's convolution kinds on the SIMD backend at a 512 px image, forward and backward-data, with the
 * automatic algorithm choice: the 7×7/2 stem (implicit GEMM forward, chunked im2col backward), 1×1/1 (implicit
 * GEMM both ways), the 3×3/2 of a first bottleneck and the 1×1/2 projection (im2col backward, as every strided
 * backward), and a 3×3/1 bottleneck conv (Winograd) for scale. GFLOP/s in the {@code gflop} row.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ResNetConvBench extends ConvBenchmark {
    /** "inC-outC-k-stride-inputSize" at a 512 px image: stem, layer1 1×1, layer2.0 3×3/2, layer2.0 downsample, layer1 3×3. */
    @Param({"3-64-7-2-512", "64-256-1-1-128", "128-128-3-2-128", "256-512-1-2-128", "64-64-3-1-128"})
    public String conv;
    @Param({"0"}) public int threads;

    @Setup public void setup() {
        String[] p = conv.split("-");
        int k = Integer.parseInt(p[2]), stride = Integer.parseInt(p[3]), size = Integer.parseInt(p[4]);
        prepare(new SimdBackend(threads), new ConvShape(Integer.parseInt(p[0]), size, size, Integer.parseInt(p[1]), k, k, stride, stride, k / 2, k / 2));
    }
}
