package nst.bench;

import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.simd.SimdBackend;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A/B of the 3×3 convolution algorithms on ONE thread, timed by the thread's CPU time (ThreadMXBean), which
 * neighbours on a shared machine disturb far less than wall time; the algorithms alternate call by call. For
 * every distinct VGG19 conv shape at {@code px}: the minimum and median ms per forward and backward-data call,
 * and effective GFLOP/s (direct convolution's FLOPs) of the minimum. Not JMH: use it where JMH's wall-clock
 * figures drown in the neighbours' load, and say so.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar nst.bench.ConvAB
 * [PX=512] [REPS=5] [ALGOS=winograd,winograd4]}
 */
public final class ConvAB {
    private ConvAB() {}

    public static void main(String[] args) {
        int px = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String[] algos = (args.length > 2 ? args[2] : "winograd,winograd4").split(",");
        int[][] layers = {{3, 64, 1}, {64, 64, 1}, {64, 128, 2}, {128, 128, 2}, {128, 256, 4}, {256, 256, 4},
                {256, 512, 8}, {512, 512, 8}, {512, 512, 16}};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "# 1 thread, thread CPU time, %d px, %d reps; ms min / median (effective GFLOP/s of min)%n", px, reps);
        for (int[] l : layers) {
            int size = px / l[2];
            ConvShape s = ConvShape.vgg3x3(l[0], l[1], size, size);
            double gflop = 2.0 * s.macs() / 1e9;
            SimdBackend[] b = new SimdBackend[algos.length];
            Buffer[][] buf = new Buffer[algos.length][];
            for (int a = 0; a < algos.length; a++) {
                b[a] = new SimdBackend(1, SimdBackend.ConvAlgorithm.valueOf(algos[a].trim().toUpperCase(Locale.ROOT)));
                SplittableRandom r = new SplittableRandom(1);
                buf[a] = new Buffer[] {rand(b[a], s.inSize(), r), rand(b[a], s.outSize(), r), rand(b[a], s.weightSize(), r),
                        rand(b[a], s.outC(), r), b[a].allocate(s.inSize())};
            }
            long[][] fwd = new long[algos.length][reps], bwd = new long[algos.length][reps];
            for (int rep = -2; rep < reps; rep++) {                 // two warm-up rounds
                for (int a = 0; a < algos.length; a++) {
                    Buffer[] x = buf[a];
                    long t0 = mx.getCurrentThreadCpuTime();
                    b[a].conv2dForward(x[1], x[0], x[2], x[3], s);
                    long t1 = mx.getCurrentThreadCpuTime();
                    b[a].conv2dBackwardData(x[4], x[1], x[2], s);
                    long t2 = mx.getCurrentThreadCpuTime();
                    if (rep >= 0) { fwd[a][rep] = t1 - t0; bwd[a][rep] = t2 - t1; }
                }
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s %4d²", l[0] + "-" + l[1], size));
            for (int a = 0; a < algos.length; a++) {
                Arrays.sort(fwd[a]);
                Arrays.sort(bwd[a]);
                line.append(String.format(Locale.ROOT, " | %s fwd %7.1f / %7.1f (%5.1f) bwd %7.1f / %7.1f (%5.1f)", algos[a].trim(),
                        fwd[a][0] / 1e6, fwd[a][reps / 2] / 1e6, gflop / (fwd[a][0] / 1e9),
                        bwd[a][0] / 1e6, bwd[a][reps / 2] / 1e6, gflop / (bwd[a][0] / 1e9)));
                b[a].close();
            }
            System.out.println(line);
        }
    }

    private static Buffer rand(SimdBackend b, int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() - 0.5);
        Buffer buf = b.allocate(n);
        b.upload(buf, v);
        return buf;
    }
}
