package nst.app.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/**
 * The machine's two roofs, measured: the FMA peak (12 independent vector accumulators at the preferred
 * species, no memory traffic, as {@code nst.bench.PeakBench} in bench/) and the memory bandwidth of a
 * STREAM-like triad {@code a[i] = b[i] + s·c[i]} over arrays far larger than the caches, counted as STREAM
 * counts it (12 bytes per element: two reads and one write; the write-allocate read is not counted).
 * Each runs on 1 thread and on {@code threads} threads at once. Timed directly (warm-up, then repetitions), not
 * with JMH; a roof is the fastest repetition (the best the machine gave), where the kernels report their median.
 * Leaves out frequency control: turbo and other tenants of a shared machine move the figures.
 */
public final class MachinePeak {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** GFLOP/s on one thread and on all, GB/s on one thread and on all, and the vector width in bits. */
    public record Result(double gflopsOne, double gflopsAll, double gbsOne, double gbsAll, int threads, int vectorBits,
                         long triadBytesPerArray) {}

    private MachinePeak() {}

    /** Measures both roofs; {@code quick} uses short runs and small triad arrays (a smoke test, not a measurement). */
    public static Result measure(int threads, boolean quick) {
        Timer t = quick ? Timer.QUICK_ROOFS : Timer.FULL;
        int steps = quick ? 20_000 : 200_000;
        double flopPerCall = 12.0 * 2 * S.length() * steps;
        double fOne = flopPerCall / t.fastest(() -> runParallel(1, i -> fma(steps))) / 1e9;
        double fAll = threads * flopPerCall / t.fastest(() -> runParallel(threads, i -> fma(steps))) / 1e9;
        // Triad arrays: 3 × 64 MiB (full) — several times any L3 cache of today's CPUs.
        int n = quick ? 1 << 18 : 1 << 24;
        float[] a = new float[n], b = new float[n], c = new float[n];
        for (int i = 0; i < n; i++) { b[i] = i * 1e-6f; c[i] = 1 - i * 1e-7f; }
        double bytes = 12.0 * n;
        double bOne = bytes / t.fastest(() -> runParallel(1, i -> triad(a, b, c, 0, n))) / 1e9;
        double bAll = bytes / t.fastest(() -> runParallel(threads, i -> {
            long lo = (long) n * i / threads, hi = (long) n * (i + 1) / threads;
            triad(a, b, c, (int) lo, (int) hi);
        })) / 1e9;
        return new Result(fOne, fAll, bOne, bAll, threads, S.vectorBitSize(), 4L * n);
    }

    static volatile float sink;

    /** 12 independent FMA chains of {@code steps} steps each: 24·lanes·steps FLOP. */
    static void fma(int steps) {
        FloatVector vx = FloatVector.broadcast(S, 0.999999f), vy = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = vy, a1 = vy, a2 = vy, a3 = vy, a4 = vy, a5 = vy, a6 = vy, a7 = vy, a8 = vy, a9 = vy, a10 = vy, a11 = vy;
        for (int i = 0; i < steps; i++) {
            a0 = a0.fma(vx, vy); a1 = a1.fma(vx, vy); a2 = a2.fma(vx, vy); a3 = a3.fma(vx, vy);
            a4 = a4.fma(vx, vy); a5 = a5.fma(vx, vy); a6 = a6.fma(vx, vy); a7 = a7.fma(vx, vy);
            a8 = a8.fma(vx, vy); a9 = a9.fma(vx, vy); a10 = a10.fma(vx, vy); a11 = a11.fma(vx, vy);
        }
        sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** a[i] := b[i] + 3·c[i] for lo ≤ i < hi. */
    static void triad(float[] a, float[] b, float[] c, int lo, int hi) {
        FloatVector s = FloatVector.broadcast(S, 3f);
        int i = lo, end = lo + S.loopBound(hi - lo);
        for (; i < end; i += S.length()) {
            FloatVector.fromArray(S, b, i).add(FloatVector.fromArray(S, c, i).mul(s)).intoArray(a, i);
        }
        for (; i < hi; i++) a[i] = b[i] + 3f * c[i];
    }

    /**
     * Runs {@code work(i)} for i &lt; n on n fresh platform threads released together; returns when all are done.
     * The caller's timer includes thread start (a few tens of µs, small against the ≥ 10 ms of each call).
     */
    static void runParallel(int n, IntConsumer work) {
        if (n == 1) { work.accept(0); return; }
        CyclicBarrier start = new CyclicBarrier(n);
        List<Thread> ts = new ArrayList<>();
        RuntimeException[] failure = new RuntimeException[1];
        for (int i = 0; i < n; i++) {
            int id = i;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    work.accept(id);
                } catch (Exception e) {
                    synchronized (failure) { failure[0] = new IllegalStateException("bench thread failed: " + e, e); }
                }
            }));
        }
        for (Thread th : ts) {
            try { th.join(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new IllegalStateException("interrupted"); }
        }
        if (failure[0] != null) throw failure[0];
    }
}
