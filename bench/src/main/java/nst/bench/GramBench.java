package nst.bench;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.simd.SimdBackend;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * Gram matrices at the VGG19 style layers (G = F Fᵀ, F (c, h·w): relu1_1 … relu5_1 at 256 px, and two at
 * 512 px) on the SIMD backend. GFLOP/s in the {@code gflop} row, credited with the full 2·c²·hw though
 * only one triangle is computed. Leaves out gramBackward (a plain GEMM).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GramBench {
    /** Gram shape "c-hw": relu1_1 … relu5_1 at 256 px (hw = 256², 128², …) and 512 px. */
    @Param({"64-65536", "128-16384", "256-4096", "512-1024", "512-256", "64-262144", "512-4096"}) public String gram;
    @Param({"0"}) public int threads;

    Backend b;
    Buffer f, g;
    int gc, ghw;

    @Setup public void setup() {
        b = new SimdBackend(threads);
        String[] p = gram.split("-");
        gc = Integer.parseInt(p[0]); ghw = Integer.parseInt(p[1]);
        f = b.allocate(gc * ghw); g = b.allocate(gc * gc);
        float[] fv = new float[gc * ghw];
        for (int i = 0; i < fv.length; i++) fv[i] = (i % 17) * 0.01f;
        b.upload(f, fv);
    }

    @TearDown public void close() { b.close(); }

    @Benchmark public void gram(Flops fl) {
        b.gram(g, f, gc, ghw, 1f / (gc * ghw));
        fl.gflop += 2.0 * gc * gc * ghw / 1e9;
    }
}
