package nst.app.web;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.adain.AdaInTransfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs studio jobs one at a time per backend, each backend with a bounded queue (a full queue is a 429),
 * and keeps the most recent jobs in memory. A job's failure (any exception, out of memory included) marks
 * that job failed and never stops the server. Leaves out persistence and per-user quotas.
 */
public final class JobManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobManager.class);

    private final int queueCapacity, keepJobs, maxSnapshots;
    private final Map<String, ThreadPoolExecutor> workers = new ConcurrentHashMap<>();
    private final Map<String, Job> jobs = new LinkedHashMap<>();           // guarded by itself, oldest first
    private final Map<Job, Runnable> tasks = new ConcurrentHashMap<>();

    public JobManager(int queueCapacity, int keepJobs, int maxSnapshots) {
        this.queueCapacity = queueCapacity;
        this.keepJobs = keepJobs;
        this.maxSnapshots = maxSnapshots;
    }

    /** Queues a job; throws a 429 when this backend's queue is full. */
    public Job submit(StyleOptions o) {
        return submit(new JobForm.Request(o.toBuilder().saveEvery(0).build(), o.saveEvery() > 0 ? o.saveEvery() : JobForm.DEFAULT_SAVE_EVERY, List.of()));
    }

    /** Queues a parsed job (options, step-through interval, input names); throws a 429 when this backend's queue is full. */
    Job submit(JobForm.Request req) {
        StyleOptions o = req.options();
        Job job = new Job(UUID.randomUUID().toString().substring(0, 12), req, maxSnapshots);
        ThreadPoolExecutor w = workers.computeIfAbsent(o.backend(), b -> {
            ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity),
                    r -> {
                        Thread t = new Thread(r, "nst-job-" + b);
                        t.setDaemon(true);
                        return t;
                    });
            return e;
        });
        Runnable task = () -> {
            tasks.remove(job);
            run(job);
        };
        tasks.put(job, task);
        synchronized (jobs) {
            try {
                w.execute(task);
            } catch (RejectedExecutionException e) {
                tasks.remove(job);
                throw new ApiError(429, "the job queue is full (" + queueCapacity + " jobs waiting behind the running one);"
                        + " try again when a job has finished, or cancel one");
            }
            jobs.put(job.id, job);
            evict();
        }
        return job;
    }

    /** Ended jobs beyond this many most recent keep only their last snapshot (bounded memory at large sizes). */
    static final int KEEP_DETAIL = 4;

    /** Drops the oldest ended jobs beyond {@code keepJobs}; trims the step-through of older ended ones. */
    private void evict() {
        List<Job> all = new ArrayList<>(jobs.values());
        for (int i = 0; i < all.size() - KEEP_DETAIL; i++) if (all.get(i).status().terminal()) all.get(i).inspector.trim();
        int excess = jobs.size() - keepJobs;
        if (excess <= 0) return;
        List<String> drop = new ArrayList<>();
        for (Job j : jobs.values()) {
            if (drop.size() >= excess) break;
            if (j.status().terminal()) drop.add(j.id);
        }
        drop.forEach(jobs::remove);
    }

    public Job get(String id) {
        synchronized (jobs) {
            Job j = jobs.get(id);
            if (j == null) throw new ApiError(404, "no job '" + id + "' (jobs are kept in memory; the server may have restarted)");
            return j;
        }
    }

    public List<Job> list() {
        synchronized (jobs) { return List.copyOf(jobs.values()); }
    }

    /** Cancels a job: a queued one leaves the queue at once, a running one stops at its next evaluation. */
    public boolean cancel(Job job) {
        boolean changed = job.cancel();
        Runnable t = tasks.remove(job);
        if (t != null) {
            ThreadPoolExecutor w = workers.get(job.worker);
            if (w != null) w.remove(t);
        }
        return changed;
    }

    private void run(Job job) {
        StyleOptions o = job.options();                                   // null when cancelled while queued
        if (o == null || !job.start()) return;
        try {
            if (o.adain()) {
                runAdaIn(job, o);
                return;
            }
            StyleTransfer st = new StyleTransfer(msg -> LOG.info("job " + job.id + ": " + msg));
            StyleTransfer.Result r = st.run(o, new StyleTransfer.Listener() {
                @Override public void started(String backend, int width, int height) { job.started(backend, width, height); }
                @Override public void iteration(StyleTransfer.Progress p) {
                    Inspector.Snapshot s = null;
                    try {
                        s = job.inspector.record(p);
                    } catch (RuntimeException e) {
                        LOG.warn("job {}: step-through snapshot failed at iteration {}", job.id, p.iteration(), e);
                    }
                    job.progress(p);
                    if (s != null) job.image(s.iteration());
                }
            }, job.cancellation);
            job.finish(r);
        } catch (StyleTransfer.TransferFailedException e) {     // NaN loss or device failure: keep the last good image
            job.fail(e.getMessage(), e.lastGood());
        } catch (nst.kernels.DeviceException e) {
            job.fail("the compute device failed: " + e.getMessage(), null);
        } catch (NstException | IllegalArgumentException e) {
            job.fail(e.getMessage(), null);
        } catch (OutOfMemoryError e) {
            job.fail("out of memory: use a smaller size, or give the server a larger heap (NST_JAVA_OPTS=-Xmx16g)", null);
        } catch (Throwable e) {
            LOG.error("job {} failed", job.id, e);
            job.fail("internal error: " + e, null);
        }
    }

    /**
     * A {@code method=adain} job: one feed-forward pass ({@link AdaInTransfer}, seconds), on the same worker and queue
     * as the Gatys jobs; no iterations and no step-through. Cancelling it while it runs lets the pass finish: the job
     * ends cancelled, with the picture.
     */
    private void runAdaIn(Job job, StyleOptions o) {
        AdaInTransfer.Result r = new AdaInTransfer(msg -> LOG.info("job " + job.id + ": " + msg)).run(o);
        job.started(r.backend(), r.image().width(), r.image().height());
        job.finish(r, job.cancellation.isCancelled());
    }

    /** Stops the workers; running jobs are cancelled. */
    @Override
    public void close() {
        for (Job j : list()) j.cancel();
        for (ThreadPoolExecutor w : workers.values()) w.shutdownNow();
    }
}
