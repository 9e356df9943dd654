package nst.app.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A bounded load test of the studio on loopback (issue 13, "Proof and figures"): at once, clients submit jobs, open
 * event streams, send uploads that trickle in and uploads that are malformed, while a probe times the page (GET /) and
 * a status request. It counts every request as accepted, refused (an answer the limits give: 4xx, 503, or a stalled
 * upload the server abandons) or failed (any other 5xx, a broken connection where an answer was due, a slow body the
 * server never gave up on), and reports the JVM's peak heap and peak RSS (server and load clients share this JVM),
 * the probes' latencies, and whether every accepted job ended done.
 * <p>
 * In CI it runs at scale 1 (a few seconds of load). {@code tools/studio-load.sh N} runs it at scale N
 * (-Dnst.studio.load=N): 6N jobs, 24N event streams, 8N slow and 12N malformed uploads, within 60 + 30N seconds.
 * Every loop is bounded in count and every wait in time. The figures go to stdout and app/target/studio-load.txt.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class StudioLoadTest {
    record Scale(int factor, int jobs, int streams, int slowUploads, int malformed, Duration deadline) {
        static Scale of(int f) { return new Scale(f, 6 * f, 24 * f, 8 * f, 12 * f, Duration.ofSeconds(60 + 30L * f)); }
    }

    /** Counts by request kind: accepted, refused, failed. */
    static final class Tally {
        final AtomicLong accepted = new AtomicLong(), refused = new AtomicLong(), failed = new AtomicLong();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());

        void failed(String why) {
            failed.incrementAndGet();
            if (failures.size() < 10) failures.add(why);
        }

        String line(String kind) {
            return String.format(Locale.ROOT, "%-18s accepted %5d  refused %5d  failed %3d", kind, accepted.get(), refused.get(), failed.get());
        }
    }

    @Test
    void theStudioStaysUpUnderLoad() throws Exception {
        Scale scale = Scale.of(Integer.getInteger("nst.studio.load", 1));
        long deadline = System.nanoTime() + scale.deadline().toNanos();
        StudioServer.Config cfg = StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1).withLimits(256 * 1024, 1_000_000)
                .withKeepJobs(100_000);                                   // every accepted job stays listed, to be checked
        try (StudioServer server = StudioServer.start(cfg); ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = server.port();
            Http http = new Http(server.url());
            Tally jobs = new Tally(), streams = new Tally(), slow = new Tally(), malformed = new Tally();
            List<String> acceptedIds = Collections.synchronizedList(new ArrayList<>());
            AtomicLong slowHeldMillis = new AtomicLong(), slowAbandoned = new AtomicLong();
            Peaks peaks = new Peaks();
            peaks.start();

            List<java.util.concurrent.Future<?>> load = new ArrayList<>();
            for (int i = 0; i < scale.jobs(); i++) {
                int seed = i;
                load.add(clients.submit(() -> submitJob(http, seed, jobs, acceptedIds, deadline)));
            }
            for (int i = 0; i < scale.slowUploads(); i++) {
                long startAfter = i * 250L;                              // spread over the first seconds, so some meet free places
                load.add(clients.submit(() -> slowUpload(port, startAfter, slow, slowAbandoned, slowHeldMillis, deadline)));
            }
            for (int i = 0; i < scale.malformed(); i++) load.add(clients.submit(() -> malformedUpload(port, malformed)));
            for (int i = 0; i < scale.streams(); i++) {
                int k = i;
                load.add(clients.submit(() -> eventStream(port, acceptedIds, k, streams, deadline)));
            }

            List<Long> pageMillis = Collections.synchronizedList(new ArrayList<>()), statusMillis = Collections.synchronizedList(new ArrayList<>());
            Tally probes = new Tally();
            AtomicBoolean loadDone = new AtomicBoolean();
            var probe = clients.submit(() -> probe(http, acceptedIds, pageMillis, statusMillis, probes, loadDone, deadline));

            for (var f : load) f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            loadDone.set(true);
            probe.get(30, TimeUnit.SECONDS);

            // No accepted job is lost: each is listed and ends done.
            int lost = 0;
            List<String> notDone = new ArrayList<>();
            for (String id : List.copyOf(acceptedIds)) {
                String status;
                try {
                    status = http.await(id, Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime())), "done", "failed", "cancelled")
                            .path("status").asText();
                } catch (AssertionError | IOException e) {
                    status = "unfinished: " + e.getMessage();
                }
                if (!status.equals("done")) {
                    lost++;
                    notDone.add(id + " " + status);
                }
            }
            peaks.stop();
            int openAtEnd = server.openEventStreams();
            for (int i = 0; i < 50 && openAtEnd > 0; i++) {             // the last streams close as their jobs' end is sent
                Thread.sleep(100);
                openAtEnd = server.openEventStreams();
            }

            String report = String.join("\n",
                    "studio load test, scale " + scale.factor() + ": " + scale.jobs() + " job clients, " + scale.streams() + " event streams, "
                            + scale.slowUploads() + " slow uploads, " + scale.malformed() + " malformed uploads (loopback, scalar backend, 1 thread)",
                    jobs.line("job submissions"), streams.line("event streams"),
                    slow.line("slow uploads") + "  (" + slowAbandoned.get() + " took an upload place and were abandoned by the server, the longest after "
                            + slowHeldMillis.get() + " ms; the rest were 503 at once)",
                    malformed.line("malformed uploads"),
                    probes.line("page/status probes"),
                    "page GET /           " + Latency.of(pageMillis),
                    "status GET /api/jobs " + Latency.of(statusMillis),
                    String.format(Locale.ROOT, "peak heap used %.0f MB (max %.0f MB), peak RSS %s, open event streams at the end %d",
                            peaks.heap.get() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0, Peaks.peakRss(), openAtEnd),
                    "accepted jobs " + acceptedIds.size() + ", ended done " + (acceptedIds.size() - lost) + ", lost " + lost + " " + notDone,
                    "failures: " + jobs.failures + streams.failures + slow.failures + malformed.failures + probes.failures);
            System.out.println(report);
            Files.writeString(Path.of("target", "studio-load.txt"), report + "\n");

            assertEquals(0, jobs.failed.get() + streams.failed.get() + slow.failed.get() + malformed.failed.get() + probes.failed.get(), report);
            assertEquals(0, lost, report);
            assertEquals(0, openAtEnd, "every stream gave back its place: " + report);
            assertEquals(scale.jobs(), acceptedIds.size(), "every job client got its job in, waiting while the queue was full: " + report);
            assertEquals(scale.malformed(), malformed.refused.get(), report);
            assertTrue(slow.accepted.get() == 0, "no trickling upload became a job: " + report);
            assertFalse(pageMillis.isEmpty(), report);
            assertTrue(Collections.max(pageMillis) < 20_000, "the page was answered within 20 s throughout: " + report);
        }
    }

    private static void submitJob(Http http, int seed, Tally t, List<String> ids, long deadline) {
        for (int attempt = 0; attempt < 200 && System.nanoTime() < deadline; attempt++) {     // retries while the queue is full
            try {
                Http.Reply r = http.post("/api/jobs", StudioApiTest.quick(1, 24, 1).field("seed", seed));
                if (r.status() == 202) {
                    t.accepted.incrementAndGet();
                    ids.add(r.json().path("id").asText());
                    return;
                }
                if (r.status() == 429 || r.status() == 503) {
                    t.refused.incrementAndGet();
                    Thread.sleep(1000);
                    continue;
                }
                t.failed("job " + r.status() + " " + r.error());
                return;
            } catch (IOException | InterruptedException e) {
                t.failed("job: " + e);
                return;
            }
        }
    }

    /** An upload whose body trickles in at 200 bytes/s: refused at once (503) or abandoned by the server (408 or closed). */
    private static void slowUpload(int port, long startAfter, Tally t, AtomicLong abandoned, AtomicLong heldMillis, long deadline) {
        try {
            Thread.sleep(startAfter);
        } catch (InterruptedException e) {
            return;
        }
        long t0 = System.nanoTime();
        try (RawHttp r = new RawHttp(port, 10_000)) {
            r.head("POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + port, "Content-Type: multipart/form-data; boundary=x", "Content-Length: 1000000");
            byte[] part = "--x\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n".getBytes(StandardCharsets.UTF_8);
            r.body(part);
            try {
                for (int i = 0; i < 60 && System.nanoTime() < deadline; i++) {   // 30 s at most
                    if (r.in.available() > 0) break;                  // the server has answered
                    r.body("0".repeat(100).getBytes(StandardCharsets.UTF_8));
                    Thread.sleep(500);
                }
            } catch (IOException closed) {
                // the server closed the connection: abandoned
            }
            String resp;
            try {
                resp = r.readAll();
            } catch (IOException e) {
                resp = "";
            }
            int s = resp.isEmpty() ? 0 : RawHttp.status(resp);
            if (s != 503) {                                             // it held an upload place until the server gave up
                abandoned.incrementAndGet();
                heldMillis.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
            }
            if (s == 0) { t.refused.incrementAndGet(); return; }
            if (s == 503 || s == 408 || s == 400) t.refused.incrementAndGet();
            else if (s == 202) t.accepted.incrementAndGet();
            else t.failed("slow upload " + s + " " + RawHttp.body(resp));
        } catch (IOException | InterruptedException e) {
            t.failed("slow upload: " + e);
        }
    }

    private static void malformedUpload(int port, Tally t) {
        byte[] body = "--x\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n32\r\n--x\r\ngarbage\r\n\r\n\u0000\u0001".getBytes(StandardCharsets.ISO_8859_1);
        try {
            String r = RawHttp.exchange(port, body, "POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + port,
                    "Content-Type: multipart/form-data; boundary=x", "Content-Length: " + body.length);
            int s = RawHttp.status(r);
            if (s == 400 || s == 503) t.refused.incrementAndGet();
            else t.failed("malformed upload " + s + " " + RawHttp.body(r));
        } catch (IOException e) {
            t.failed("malformed upload: " + e);
        }
    }

    /**
     * Opens a stream on the (k / 5)th accepted job as soon as it is accepted, so five streams meet each job while it
     * waits or runs (one more than the per-job limit), and reads it to the job's end.
     */
    private static void eventStream(int port, List<String> ids, int k, Tally t, long deadline) {
        try {
            String id = null;
            while (id == null && System.nanoTime() < deadline) {
                synchronized (ids) { if (ids.size() > k / 5) id = ids.get(k / 5); }
                if (id == null) Thread.sleep(50);
            }
            if (id == null) { t.failed("stream: job " + k / 5 + " was never accepted"); return; }
            try (RawHttp r = new RawHttp(port, 60_000)) {
                r.head("GET /api/jobs/" + id + "/events HTTP/1.1", "Host: 127.0.0.1:" + port, "Accept: text/event-stream");
                String head = r.readHead();
                int s = RawHttp.status(head);
                if (s == 429) { t.refused.incrementAndGet(); return; }
                if (s != 200) { t.failed("stream " + s); return; }
                t.accepted.incrementAndGet();
                String events = r.readAll();                        // until the job ends and the server closes
                if (!events.contains("event: done") && !events.contains("event:done")) t.failed("stream ended without done: " + events.length() + " chars");
            }
        } catch (IOException | InterruptedException e) {
            t.failed("stream: " + e);
        }
    }

    private static void probe(Http http, List<String> ids, List<Long> page, List<Long> status, Tally t, AtomicBoolean done, long deadline) {
        for (int i = 0; i < 10_000 && !done.get() && System.nanoTime() < deadline; i++) {
            try {
                long t0 = System.nanoTime();
                int p = http.get("/").status();
                long t1 = System.nanoTime();
                int s = http.get("/api/jobs").status();
                long t2 = System.nanoTime();
                if (p == 200 && s == 200) t.accepted.incrementAndGet();
                else t.failed("probe " + p + "/" + s);
                page.add((t1 - t0) / 1_000_000);
                status.add((t2 - t1) / 1_000_000);
                Thread.sleep(200);
            } catch (IOException | InterruptedException e) {
                t.failed("probe: " + e);
            }
        }
    }

    /** Median, 95th percentile and maximum of a list of milliseconds. */
    record Latency(long median, long p95, long max, int n) {
        static String of(List<Long> ms) {
            List<Long> l = new ArrayList<>(ms);
            if (l.isEmpty()) return "no samples";
            Collections.sort(l);
            return String.format(Locale.ROOT, "median %d ms, p95 %d ms, max %d ms (%d requests)", l.get(l.size() / 2),
                    l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.95) - 1)), l.get(l.size() - 1), l.size());
        }
    }

    /** Samples heap use every 50 ms; peak RSS comes from the kernel (VmHWM). */
    static final class Peaks {
        final AtomicLong heap = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread sampler;

        void start() {
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            sampler = Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    heap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            stop.set(true);
            sampler.join(1000);
        }

        static String peakRss() {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/self/status")))
                    if (l.startsWith("VmHWM:")) return l.substring(6).trim();
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return "unknown";
        }
    }
}
