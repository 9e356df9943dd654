package nst.bench;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.simd.SimdBackend;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * Square SGEMM (C = A·B, no transposition) on the SIMD backend. GFLOP/s in the {@code gflop} row.
 * Leaves out the transposed variants (the same code after packing).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"256", "512", "1024"}) public int n;
    @Param({"0"}) public int threads;

    Backend b;
    Buffer a, bm, c;

    @Setup public void setup() {
        b = new SimdBackend(threads);
        a = b.allocate(n * n); bm = b.allocate(n * n); c = b.allocate(n * n);
        float[] v = new float[n * n];
        for (int i = 0; i < v.length; i++) v[i] = (i % 13) * 0.01f;
        b.upload(a, v); b.upload(bm, v);
    }

    @TearDown public void close() { b.close(); }

    @Benchmark public void gemm(Flops fl) {
        b.gemm(c, a, bm, n, n, n, false, false, 1f, 0f);
        fl.gflop += 2.0 * n * n * n / 1e9;
    }

}
