package nst.app.web;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the open server-sent event streams, per job and in all, so that connections alone cannot exhaust the
 * server's file descriptors: a stream beyond either limit is refused with 429. Leaves out per-client limits (one
 * client may use every place; the total keeps the server up).
 */
final class EventStreams {
    private final int perJob, total;
    private final Map<String, Integer> open = new HashMap<>();
    private int all;

    EventStreams(int perJob, int total) {
        this.perJob = perJob;
        this.total = total;
    }

    /** Takes a place for a stream of job {@code id}; the returned action gives it back (calling it again does nothing). */
    synchronized Runnable open(String id) {
        int mine = open.getOrDefault(id, 0);
        if (mine >= perJob)
            throw new ApiError(429, "job " + id + " already has " + perJob + " event streams open (the limit is " + perJob
                    + " event streams per job); close a tab that follows it, or poll GET /api/jobs/" + id);
        if (all >= total)
            throw new ApiError(429, "the studio already has " + total + " event streams open (the limit is " + total
                    + " event streams in all); close some tabs, or poll GET /api/jobs/{id}");
        open.put(id, mine + 1);
        all++;
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) close(id);
        };
    }

    private synchronized void close(String id) {
        open.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1);
        all--;
    }

    synchronized int openStreams() { return all; }
}
