package nst.engine.fuzz;

import nst.engine.NstException;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The property every fuzz target checks (docs/FUZZING.md): reading hostile bytes either succeeds or fails
 * with an {@link NstException} (WeightsException, …) whose message is one non-empty line, within
 * {@link #TIME_LIMIT_SECONDS}. Any other exception or error (a stack overflow, an out-of-memory, an
 * ArithmeticException from an unchecked size) and a timeout are findings: an AssertionError naming them,
 * which Jazzer reports (fuzzing) or JUnit fails (replaying the corpus in ./mvnw test). The body runs on
 * one reused worker thread so that a hang fails the input instead of blocking the test run forever.
 */
public final class FuzzProperty {
    private FuzzProperty() {}

    /** Generous: every input of the corpora is answered in milliseconds. */
    public static final int TIME_LIMIT_SECONDS = 20;

    /** Replaced after a hang: the stuck thread is abandoned (a daemon), the next input gets a fresh one. */
    private static ExecutorService worker = newWorker();

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "fuzz-target", 16L << 20); // the launcher's -Xss8m, doubled
            t.setDaemon(true);
            return t;
        });
    }

    /** The code under test: reads the input, may throw anything. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    public static synchronized void check(Body body) {
        Future<?> f = worker.submit(() -> {
            body.run();
            return null;
        });
        try {
            f.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError("no answer within " + TIME_LIMIT_SECONDS + " s (a hang)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (!(t instanceof NstException)) throw new AssertionError("not a user-facing error: " + t, t);
            String m = t.getMessage();
            if (m == null || m.isBlank()) throw new AssertionError("an NstException without a message", t);
            if (m.contains("\n")) throw new AssertionError("a message of several lines: " + m, t);
        }
    }
}
