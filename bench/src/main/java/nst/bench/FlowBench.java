package nst.bench;

import nst.engine.flow.FlowField;
import nst.engine.flow.LinearSystem;
import nst.engine.flow.OpticalFlow;
import nst.engine.flow.Relaxation;
import nst.engine.flow.Warp;
import nst.engine.image.Image;
import nst.engine.image.Images;
import org.openjdk.jmh.annotations.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Optical flow at 384 px (examples/tubingen.jpg, longest side 384, and a copy moved by (1.5, −0.8) px): the whole
 * flow in both directions with the default settings, and one Jacobi sweep (the inner loop) at that size, each
 * with the scalar reference and the Vector API relaxation. Run from the repository root:
 * {@code bench/run-jmh.sh FlowBench}. Leaves out other sizes and multithreading (the flow is single-threaded).
 * Where the time goes: {@code bench/run-jmh.sh FlowBench.bothDirections -p relaxation=simd -prof stack}. With only
 * the sweep vectorised, the 5 × 5 median (quickselect per pixel) was about 80 % of it, hence {@code SimdMedian};
 * with both (2 shared Zen 3 cores): median a third, sweep a quarter, the border pixels' quickselect a tenth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FlowBench {
    @Param({"scalar", "simd"}) public String relaxation;
    @Param({"384"}) public int px;

    Image first, second;
    OpticalFlow flow;
    Relaxation sweep;
    LinearSystem system;
    float[] u, v, uOut, vOut;

    @Setup public void setup() {
        Path source = Path.of("examples/tubingen.jpg");
        if (!Files.isRegularFile(source)) throw new IllegalStateException("FlowBench: run from the repository root (needs " + source + ")");
        first = Images.resizeLongest(Images.read(source), px);
        FlowField shift = FlowField.zero(first.width(), first.height());
        Arrays.fill(shift.u(), -1.5f);
        Arrays.fill(shift.v(), 0.8f);
        second = Warp.backward(first, shift);   // second(x) = first(x − (1.5, −0.8)): everything moves by (1.5, −0.8)
        sweep = Relaxation.named(relaxation);
        flow = new OpticalFlow(OpticalFlow.Settings.DEFAULT, sweep);
        int n = first.pixels();
        SplittableRandom r = new SplittableRandom(1);
        float[] ix = new float[n], iy = new float[n], c = new float[n], invD = new float[n];
        u = new float[n]; v = new float[n]; uOut = new float[n]; vOut = new float[n];
        for (int i = 0; i < n; i++) {
            ix[i] = (float) r.nextDouble(-0.1, 0.1);
            iy[i] = (float) r.nextDouble(-0.1, 0.1);
            c[i] = (float) r.nextDouble(-0.05, 0.05);
            invD[i] = 1 / (0.0004f + ix[i] * ix[i] + iy[i] * iy[i]);
            u[i] = (float) r.nextDouble(-2, 2);
            v[i] = (float) r.nextDouble(-2, 2);
        }
        system = new LinearSystem(first.width(), first.height(), ix, iy, c, invD);
    }

    /** Forward and backward flow of the pair: what one video frame needs. */
    @Benchmark public OpticalFlow.Pair bothDirections() { return flow.bothDirections(first, second); }

    /** One Jacobi sweep over the full-size grid. */
    @Benchmark public float[] sweep() {
        sweep.sweep(system, u, v, uOut, vOut);
        return uOut;
    }
}
