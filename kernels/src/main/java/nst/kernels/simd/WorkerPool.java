package nst.kernels.simd;

/**
 * A fixed pool of daemon worker threads that runs one parallel loop at a time: tasks 0..n-1 are handed
 * out in order, the caller thread works too (as worker 0). A task owns its output block, so no task
 * synchronises with another. Leaves out work stealing, nesting and priorities.
 */
final class WorkerPool implements AutoCloseable {

    /** One parallel loop body: {@code worker} indexes per-thread scratch, {@code task} the block to compute. */
    @FunctionalInterface
    interface Body {
        void run(int worker, int task);
    }

    private final Thread[] threads;               // workers 1..n-1; the caller is worker 0
    private final Object lock = new Object();
    private Body body;                            // the loop being run (guarded by lock)
    private int tasks;                            // its task count
    private int nextTask;                         // next task to hand out (guarded by lock)
    private int busy;                             // workers still inside the current loop
    private long generation;                      // bumped for every loop; workers wait for a change
    private Throwable failure;
    private boolean closed;

    WorkerPool(int n) {
        threads = new Thread[Math.max(0, n - 1)];
        for (int t = 0; t < threads.length; t++) {
            int worker = t + 1;
            threads[t] = new Thread(() -> loop(worker), "nst-simd-" + worker);
            threads[t].setDaemon(true);
            threads[t].start();
        }
    }

    int size() { return threads.length + 1; }

    /** Runs body for every task in [0, n) on all workers and returns when all are done. */
    void run(int n, Body b) {
        if (n <= 0) return;
        if (threads.length == 0 || n == 1) {
            for (int t = 0; t < n; t++) b.run(0, t);
            return;
        }
        synchronized (lock) {
            if (closed) throw new IllegalStateException("backend closed");
            body = b;
            tasks = n;
            nextTask = 0;
            busy = threads.length + 1;
            failure = null;
            generation++;
            lock.notifyAll();
        }
        work(0, b);
        synchronized (lock) {
            while (busy > 0) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for workers", e);
                }
            }
            body = null;
            if (failure != null) {
                if (failure instanceof RuntimeException r) throw r;
                if (failure instanceof Error e) throw e;
                throw new IllegalStateException(failure);
            }
        }
    }

    /** Takes tasks until none is left, then reports itself done. */
    private void work(int worker, Body b) {
        try {
            while (true) {
                int t;
                synchronized (lock) {
                    if (nextTask >= tasks || failure != null) break;
                    t = nextTask++;
                }
                b.run(worker, t);
            }
        } catch (Throwable e) {
            synchronized (lock) { if (failure == null) failure = e; }
        } finally {
            synchronized (lock) {
                if (--busy == 0) lock.notifyAll();
            }
        }
    }

    private void loop(int worker) {
        long seen = 0;
        while (true) {
            Body b;
            synchronized (lock) {
                while (generation == seen && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                seen = generation;
                b = body;
            }
            work(worker, b);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
