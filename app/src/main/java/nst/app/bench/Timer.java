package nst.app.bench;

import java.util.Arrays;

/**
 * Direct timing, not JMH: calls the body until the warm-up time has passed (at least {@code minWarm} calls, so
 * the JIT has compiled it), then times {@code reps} calls one by one, as many as fit in the measuring time
 * (at least {@code minReps}, at most {@code maxReps}), and returns the median in seconds. One JVM, no forks,
 * no blackholes: each body must leave a result where the JIT cannot drop it (a buffer, a volatile).
 */
record Timer(long warmNanos, int minWarm, long measureNanos, int minReps, int maxReps) {
    static final Timer FULL = new Timer(400_000_000L, 2, 1_500_000_000L, 5, 51);
    static final Timer QUICK = new Timer(5_000_000L, 1, 5_000_000L, 3, 5);
    /** --quick's roofs: long enough a warm-up that the FMA loop is compiled, so even a smoke test draws a sane chart. */
    static final Timer QUICK_ROOFS = new Timer(80_000_000L, 2, 20_000_000L, 3, 9);

    /** Median seconds per call of {@code body}. */
    double median(Runnable body) {
        return sample(body)[0];
    }

    /** Seconds of the fastest timed call of {@code body}. */
    double fastest(Runnable body) {
        return sample(body)[1];
    }

    /** {median, min} seconds per call, and the number of timed calls as the third entry. */
    double[] sample(Runnable body) {
        long t0 = System.nanoTime();
        int warm = 0;
        long last = 0;
        while (warm < minWarm || System.nanoTime() - t0 < warmNanos) {
            long s = System.nanoTime();
            body.run();
            last = System.nanoTime() - s;
            warm++;
        }
        int reps = (int) Math.max(minReps, Math.min(maxReps, measureNanos / Math.max(1, last)));
        long[] ns = new long[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            body.run();
            ns[i] = System.nanoTime() - s;
        }
        Arrays.sort(ns);
        double median = reps % 2 == 1 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2.0;
        return new double[] {median / 1e9, ns[0] / 1e9, reps};
    }
}
