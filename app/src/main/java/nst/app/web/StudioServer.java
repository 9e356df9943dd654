package nst.app.web;

import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The web studio's HTTP server (Javalin on embedded Jetty): the JSON API of app/STUDIO.md, server-sent
 * progress events, the step-through data, and the single-page UI from the classpath (/nst/studio). Other web
 * pages are kept out by {@link RequestGuard}; connections are bounded by {@link EventStreams}, {@link UploadGate}
 * and Jetty's idle timeout and minimum data rate; errors are answered by {@link StudioErrors}.
 * Leaves out authentication and TLS: it is meant for loopback or a trusted network.
 */
public final class StudioServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StudioServer.class);

    /** Server settings; {@link #defaults()} gives the command line's. */
    public record Config(String host, int port, String backend, int threads, long maxUploadBytes, long maxPixels, int maxSize,
                         int maxIterations, int queueCapacity, int keepJobs, int maxSnapshots, int maxStyles, Network network) {
        public static Config defaults() {
            return new Config("127.0.0.1", 8080, "auto", 0, 10L << 20, 25_000_000L, 1024, 2000, 4, 32, 60, 4, Network.defaults());
        }
        public Config withHost(String h) { return new Config(h, port, backend, threads, maxUploadBytes, maxPixels, maxSize, maxIterations, queueCapacity, keepJobs, maxSnapshots, maxStyles, network); }
        public Config withPort(int p) { return new Config(host, p, backend, threads, maxUploadBytes, maxPixels, maxSize, maxIterations, queueCapacity, keepJobs, maxSnapshots, maxStyles, network); }
        public Config withBackend(String b, int t) { return new Config(host, port, b, t, maxUploadBytes, maxPixels, maxSize, maxIterations, queueCapacity, keepJobs, maxSnapshots, maxStyles, network); }
        public Config withLimits(long bytes, long pixels) { return new Config(host, port, backend, threads, bytes, pixels, maxSize, maxIterations, queueCapacity, keepJobs, maxSnapshots, maxStyles, network); }
        public Config withQueue(int q) { return new Config(host, port, backend, threads, maxUploadBytes, maxPixels, maxSize, maxIterations, q, keepJobs, maxSnapshots, maxStyles, network); }
        public Config withKeepJobs(int k) { return new Config(host, port, backend, threads, maxUploadBytes, maxPixels, maxSize, maxIterations, queueCapacity, k, maxSnapshots, maxStyles, network); }
        public Config withNetwork(Network n) { return new Config(host, port, backend, threads, maxUploadBytes, maxPixels, maxSize, maxIterations, queueCapacity, keepJobs, maxSnapshots, maxStyles, n); }
    }

    /**
     * Who may talk to the studio and how many connections it serves (app/STUDIO.md, "Who may call the studio", "Connections and memory"): host names accepted in
     * the Host header besides the listening address, event streams per job and in all, uploads read at once, and how
     * long a silent or trickling request body may hold its connection.
     */
    public record Network(List<String> allowedHosts, int maxStreamsPerJob, int maxStreams, int maxUploads, int idleTimeoutSeconds,
                          int minUploadBytesPerSecond) {
        public Network {
            allowedHosts = List.copyOf(allowedHosts);
        }
        public static Network defaults() { return new Network(List.of(), 4, 64, 4, 30, 2048); }
        public Network withAllowedHosts(List<String> h) { return new Network(h, maxStreamsPerJob, maxStreams, maxUploads, idleTimeoutSeconds, minUploadBytesPerSecond); }
        public Network withStreams(int perJob, int total) { return new Network(allowedHosts, perJob, total, maxUploads, idleTimeoutSeconds, minUploadBytesPerSecond); }
        public Network withUploads(int uploads, int idleSeconds, int minBytesPerSecond) { return new Network(allowedHosts, maxStreamsPerJob, maxStreams, uploads, idleSeconds, minBytesPerSecond); }
    }

    private final Config cfg;
    private final JobManager jobs;
    private final JobForm form;
    private final Javalin app;
    private final RequestGuard guard;
    private final EventStreams streams;
    private final UploadGate uploads;

    private StudioServer(Config cfg) {
        this.cfg = cfg;
        this.jobs = new JobManager(cfg.queueCapacity(), cfg.keepJobs(), cfg.maxSnapshots());
        this.form = new JobForm(cfg);
        Network net = cfg.network();
        this.guard = new RequestGuard(cfg.host(), net.allowedHosts());
        this.streams = new EventStreams(net.maxStreamsPerJob(), net.maxStreams());
        this.uploads = new UploadGate(net.maxUploads());
        long perFileCap = JobForm.partLimit(cfg);                             // beyond this Jetty stops reading (still a 413)
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            StudioErrors.configure(c);
            // A body that trickles in below this rate is abandoned (408), so a slow upload cannot hold its thread for long.
            c.jetty.modifyHttpConfiguration(h -> h.setMinRequestDataRate(net.minUploadBytesPerSecond()));
            c.http.disableCompression();                                     // compression would hold back SSE events
            c.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/nst/studio";
                sf.location = Location.CLASSPATH;
            });
            c.jetty.multipartConfig.maxFileSize(perFileCap, SizeUnit.BYTES);
            // content, styles, one mask per style, the initial image
            c.jetty.multipartConfig.maxTotalRequestSize(perFileCap * (2L * cfg.maxStyles() + 2), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            c.requestLogger.http((ctx, ms) -> {
                if (!ctx.path().endsWith("/events"))
                    LOG.info("{} {} → {} ({} ms)", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(ms));
            });
        });
        routes();
    }

    /** Starts a server (port 0: an ephemeral port; see {@link #port()}). */
    public static StudioServer start(Config cfg) {
        StudioServer s = new StudioServer(cfg);
        s.app.start(cfg.host(), cfg.port());
        // A connection with nothing to say for this long is closed (event streams send a keep-alive well within it).
        for (Connector c : s.app.jettyServer().server().getConnectors())
            if (c instanceof AbstractConnector a) a.setIdleTimeout(cfg.network().idleTimeoutSeconds() * 1000L);
        return s;
    }

    public int port() { return app.port(); }
    public String url() { return "http://" + (cfg.host().contains(":") ? "[" + cfg.host() + "]" : cfg.host()) + ":" + port(); }
    public JobManager jobs() { return jobs; }
    /** Event streams open now (see {@link Network#maxStreams()}). */
    int openEventStreams() { return streams.openStreams(); }

    private void routes() {
        StudioErrors.install(app);
        app.before(guard::check);

        app.get("/api/examples", ctx -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String n : Examples.NAMES) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", n);
                m.put("url", "/api/examples/" + n);
                m.put("kind", n.equals("tubingen") ? "photo" : "painting");
                out.add(m);
            }
            json(ctx, 200, out);
        });
        app.get("/api/options", ctx -> json(ctx, 200, OptionsApi.describe(cfg)));
        app.get("/api/examples/{name}", ctx -> {
            ctx.header("Cache-Control", "max-age=3600");
            ctx.contentType("image/jpeg").result(Examples.bytes(ctx.pathParam("name")));
        });

        app.post("/api/jobs", ctx -> {
            Job job = jobs.submit(uploads.through(() -> form.parse(ctx)));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", job.id());
            m.put("status", job.status().json());
            m.put("url", "/api/jobs/" + job.id());
            m.put("events", "/api/jobs/" + job.id() + "/events");
            ctx.header("Location", "/api/jobs/" + job.id());
            json(ctx, 202, m);
        });
        app.get("/api/jobs", ctx -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Job j : jobs.list()) out.add(j.state());
            json(ctx, 200, out);
        });
        app.get("/api/jobs/{id}", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));
            Map<String, Object> m = job.state();
            m.put("history", history(job));
            json(ctx, 200, m);
        });
        app.delete("/api/jobs/{id}", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));
            boolean changed = jobs.cancel(job);
            Map<String, Object> m = job.state();
            m.put("cancelRequested", changed);
            json(ctx, changed ? 202 : 200, m);
        });
        app.get("/api/jobs/{id}/result.png", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));
            byte[] png = job.resultPng();
            if (png == null) throw new ApiError(409, "job " + job.id() + " has no result yet (status " + job.status().json() + ")");
            ctx.header("Content-Disposition", "inline; filename=\"nst-" + job.id() + ".png\"");
            ctx.contentType("image/png").result(png);
        });
        app.get("/api/jobs/{id}/images/{file}", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));
            String f = ctx.pathParam("file");
            int it;
            try {
                it = Integer.parseInt(f.endsWith(".png") ? f.substring(0, f.length() - 4) : f);
            } catch (NumberFormatException e) {
                throw new ApiError(404, "no image '" + f + "': images are named ITERATION.png");
            }
            Inspector.Snapshot s = job.inspector.snapshot(it);
            if (s == null) throw new ApiError(404, "iteration " + it + " was not saved; saved: " + job.inspector.savedIterations());
            ctx.contentType("image/png").result(s.image());
        });
        app.get("/api/jobs/{id}/inspect", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));
            String q = ctx.queryParam("iteration");
            Integer it = null;
            if (q != null && !q.isBlank()) {
                try {
                    it = Integer.parseInt(q.trim());
                } catch (NumberFormatException e) {
                    throw new ApiError(400, "iteration must be a whole number, got '" + q + "'");
                }
            }
            json(ctx, 200, inspect(job.inspector, it, job.id()));
        });

        SseHandler sse = new SseHandler(this::events);
        app.get("/api/jobs/{id}/events", ctx -> {
            Job job = jobs.get(ctx.pathParam("id"));                       // 404 before the stream opens
            Runnable release = streams.open(job.id());                      // 429 when too many are open
            ctx.attribute(STREAM_PLACE, release);
            try {
                sse.handle(ctx);
            } catch (Exception | Error e) {
                release.run();
                throw e;
            }
        });
    }

    private static final String STREAM_PLACE = "nst.stream-place";

    /** Streams a job's events to one client from a virtual thread of its own; the current state comes first. */
    private void events(SseClient client) {
        Job job = jobs.get(client.ctx().pathParam("id"));
        Runnable release = client.ctx().attribute(STREAM_PLACE);
        client.keepAlive();
        BlockingQueue<Job.Event> q = job.subscribe();
        AtomicBoolean closed = new AtomicBoolean();
        client.onClose(() -> {
            closed.set(true);
            job.unsubscribe(q);
            release.run();
        });
        Thread.ofVirtual().name("nst-sse-" + job.id()).start(() -> {
            try {
                while (!closed.get() && !client.terminated()) {
                    Job.Event e = q.poll(keepAliveSeconds(), TimeUnit.SECONDS);
                    if (e == null) {
                        client.sendComment("keep-alive");
                        continue;
                    }
                    client.sendEvent(e.name(), e.data());
                    if (e.terminal()) break;
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.debug("event stream of job {} ended: {}", job.id(), e.toString());
            } finally {
                job.unsubscribe(q);
                release.run();
                client.close();
            }
        });
    }

    /** Seconds between keep-alive comments on a quiet stream: every 15 s, or sooner when the idle timeout is short. */
    private long keepAliveSeconds() {
        return Math.max(1, Math.min(15, cfg.network().idleTimeoutSeconds() / 2));
    }

    static List<Map<String, Object>> history(Job job) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Inspector.Point p : job.inspector.points()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iteration", p.iteration());
            m.put("stage", p.stage());
            m.put("seconds", p.seconds());
            m.put("total", p.terms().total());
            m.put("content", p.terms().content());
            m.put("style", p.terms().style());
            m.put("tv", p.terms().tv());
            m.put("styleLayers", p.styleLayerLosses());
            out.add(m);
        }
        return out;
    }

    /** The step-through document: pictures as data: URIs, so one request gives the whole view (also used by explain). */
    public static Map<String, Object> inspect(Inspector ins, Integer iteration, String jobId) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Integer> saved = ins.savedIterations();
        m.put("saved", saved);
        Inspector.Snapshot s = iteration == null ? ins.latest() : ins.nearest(iteration);
        boolean ready = s != null && ins.prepared(s.stage().index());
        m.put("ready", ready);
        m.put("styleLayers", ins.styleLayers());
        List<Integer> its = new ArrayList<>();
        Map<String, List<Double>> curves = new LinkedHashMap<>();
        for (String l : ins.styleLayers()) curves.put(l, new ArrayList<>());
        for (Inspector.Point p : ins.points()) {
            its.add(p.iteration());
            for (int i = 0; i < ins.styleLayers().size() && i < p.styleLayerLosses().length; i++)
                curves.get(ins.styleLayers().get(i)).add(p.styleLayerLosses()[i]);
        }
        m.put("styleLossHistory", Map.of("iterations", its, "layers", curves));
        if (!ready) return m;
        m.put("iteration", s.iteration());
        m.put("stage", stage(s.stage()));
        m.put("stageIteration", s.stageIteration());
        Map<String, Object> terms = new LinkedHashMap<>();
        terms.put("total", s.terms().total());
        terms.put("content", s.terms().content());
        terms.put("style", s.terms().style());
        terms.put("tv", s.terms().tv());
        m.put("loss", terms);
        m.put("image", dataUri(s.image()));
        m.put("gradient", dataUri(s.gradient()));
        List<Map<String, Object>> layers = new ArrayList<>();
        for (String l : ins.layers()) {
            Inspector.LayerInfo li = ins.info(s.stage().index(), l);
            Inspector.LayerShot shot = s.layers().get(l);
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("name", l);
            lm.put("content", li.content());
            lm.put("style", li.style());
            lm.put("shape", List.of(li.channels(), li.height(), li.width()));
            lm.put("shownChannels", li.shownChannels());
            lm.put("featuresContent", dataUri(li.contentGrid()));
            lm.put("featuresStyle", dataUri(li.styleGrid()));
            lm.put("featuresCurrent", shot == null ? null : dataUri(shot.currentGrid()));
            lm.put("gramTarget", dataUri(li.gramTarget()));
            lm.put("gramCurrent", shot == null ? null : dataUri(shot.gramCurrent()));
            lm.put("styleLoss", shot == null || Double.isNaN(shot.styleLoss()) ? null : shot.styleLoss());
            layers.add(lm);
        }
        m.put("layers", layers);
        if (jobId != null) m.put("imageUrl", "/api/jobs/" + jobId + "/images/" + s.iteration() + ".png");
        return m;
    }

    /** A stage as JSON: {"index", "count", "width", "height", "tile", "label"}; null for none. */
    static Map<String, Object> stage(Inspector.Stage st) {
        if (st == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", st.index());
        m.put("count", st.count());
        m.put("width", st.width());
        m.put("height", st.height());
        m.put("tile", st.tile());
        m.put("label", st.label());
        return m;
    }

    static String dataUri(byte[] png) {
        return png == null ? null : "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    @Override
    public void close() {
        jobs.close();
        app.stop();
    }
}
