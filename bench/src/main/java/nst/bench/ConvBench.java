package nst.bench;

import nst.kernels.ConvShape;
import nst.kernels.simd.SimdBackend;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * 3×3 convolution forward and backward-data of the SIMD backend for every distinct VGG19 conv shape up to
 * conv5 at 256 and 512 px, with the algorithm forced (gemm | winograd = F(2×2,3×3) | winograd4 = F(4×4,3×3)). GFLOP/s in the {@code gflop} row.
 * Leaves out the scalar backend (minutes per call at these sizes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBench extends ConvBenchmark {
    /** VGG19 layer: "inC-outC-scale" where the spatial size is px / scale (conv1 = 1 … conv5 = 16). */
    @Param({"3-64-1", "64-64-1", "64-128-2", "128-128-2", "128-256-4", "256-256-4", "256-512-8", "512-512-8", "512-512-16"})
    public String layer;
    @Param({"256", "512"}) public int px;
    @Param({"gemm", "winograd", "winograd4"}) public String algo;
    @Param({"0"}) public int threads;

    @Setup public void setup() {
        String[] p = layer.split("-");
        int size = px / Integer.parseInt(p[2]);
        prepare(new SimdBackend(threads, SimdBackend.ConvAlgorithm.valueOf(algo.toUpperCase())),
                ConvShape.vgg3x3(Integer.parseInt(p[0]), Integer.parseInt(p[1]), size, size));
    }
}
