package nst.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import nst.engine.image.Image;
import nst.engine.image.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio's JSON API over real HTTP on loopback (ephemeral port, java.net.http): a whole job, one with every
 * artistic control (its result's metadata rerun with nst stylize --like), a tiled one, the SSE event order, cancel,
 * the 400/413/415/429 answers, two clients at once. Tiny images, random weights,
 * the scalar backend, shallow layers where the test is not about the result.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StudioApiTest {
    static StudioServer server;
    static Http http;
    static final Duration LONG = Duration.ofMinutes(4);

    @BeforeAll
    static void start() {
        server = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1).withLimits(256 * 1024, 1_000_000));
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** A small smooth test picture as PNG bytes. */
    static byte[] png(int w, int h) {
        float[] v = new float[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                v[y * w + x] = (float) x / w;
                v[(h + y) * w + x] = (float) y / h;
                v[(2 * h + y) * w + x] = 0.5f;
            }
        return Images.pngBytes(new Image(w, h, v));
    }

    /** A quick job: shallow layers so each evaluation is cheap. */
    static Http.Form quick(int iterations) { return quick(iterations, 32, 2); }

    static Http.Form quick(int iterations, int size, int saveEvery) {
        return new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("size", size)
                .field("iterations", iterations).field("weights", "random").field("saveEvery", saveEvery)
                .field("contentLayers", "relu2_2").field("styleLayers", "relu1_1,relu2_1");
    }

    @Test
    void fullJobRunsToCompletionWithUploadsAndStepThrough() throws Exception {
        Http.Form f = new Http.Form().file("content", "photo.png", png(48, 36)).file("style", "paint.png", png(30, 30))
                .field("styleExample", "the_scream").field("size", 32).field("iterations", 4).field("weights", "random")
                .field("saveEvery", 2).field("optimizer", "lbfgs").field("seed", 7);
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        String id = r.json().path("id").asText();
        JsonNode s = http.await(id, LONG, "done", "failed");
        assertEquals("done", s.path("status").asText(), s::toString);
        assertEquals(4, s.path("iteration").asInt());
        assertEquals(4, s.path("iterations").asInt());
        assertTrue(s.path("loss").path("total").asDouble() > 0);
        for (String term : List.of("content", "style", "tv")) assertTrue(s.path("loss").has(term), term);
        assertEquals(4, s.path("history").size());
        assertEquals(32, s.path("width").asInt());
        assertEquals(24, s.path("height").asInt());
        assertEquals(List.of(1, 2, 4), ints(s.path("savedIterations")));

        Http.Reply png = http.get("/api/jobs/" + id + "/result.png");
        assertEquals(200, png.status());
        assertEquals("image/png", png.contentType());
        Map<String, String> meta = metadata(png.body());
        assertEquals("7", meta.get("nst:seed"), "the submitted seed is the one the job ran");
        for (String want : List.of("--optimizer lbfgs", "--size 32", "--iterations 4", "--style paint.png", "--content photo.png"))
            assertTrue(meta.get("nst:options").contains(want), want + " in " + meta.get("nst:options"));
        Image out = Images.decode(png.body(), "result");
        assertEquals(32, out.width());
        assertEquals(200, http.get("/api/jobs/" + id + "/images/2.png").status());
        assertEquals(404, http.get("/api/jobs/" + id + "/images/3.png").status());

        JsonNode ins = http.get("/api/jobs/" + id + "/inspect?iteration=2").json();
        assertTrue(ins.path("ready").asBoolean());
        assertEquals(2, ins.path("iteration").asInt());
        assertEquals(6, ins.path("layers").size(), "relu4_2 plus the five default style layers");
        for (JsonNode l : ins.path("layers")) {
            assertTrue(l.path("featuresContent").asText().startsWith("data:image/png;base64,"), l.path("name").asText());
            assertTrue(l.path("featuresStyle").asText().startsWith("data:image/png;base64,"));
            assertTrue(l.path("featuresCurrent").asText().startsWith("data:image/png;base64,"));
            if (l.path("style").asBoolean()) {
                assertTrue(l.path("gramTarget").asText().startsWith("data:image/png"));
                assertTrue(l.path("gramCurrent").asText().startsWith("data:image/png"));
                assertTrue(l.path("styleLoss").asDouble() >= 0);
            }
        }
        assertTrue(ins.path("gradient").asText().startsWith("data:image/png"));
        assertEquals(4, ins.path("styleLossHistory").path("layers").path("relu1_1").size());
        assertEquals(2, http.get("/api/jobs/" + id + "/inspect?iteration=3").json().path("iteration").asInt() / 2 * 2,
                "a request between saved iterations gets the nearest one");
    }

    /**
     * Every artistic control at once, at 24 then 32 px: the job runs through both scales, and luminance transfer keeps the
     * photo's colours. Adam, as neural-style pairs it with normalised gradients (L-BFGS's line search may stop early on them).
     */
    @Test
    void aJobWithTheArtisticControlsRunsToCompletion() throws Exception {
        Http.Form f = quick(2, 32, 1).field("optimizer", "adam").field("preserveColors", "luminance").field("scales", "24,32").field("styleScale", "0.75")
                .field("normalizeGradients", "true").field("history", 5)
                .file("mask", "everywhere.png", png(16, 16)).file("initImage", "start.png", png(40, 30));
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        String id = r.json().path("id").asText();
        JsonNode s = http.await(id, LONG, "done", "failed");
        assertEquals("done", s.path("status").asText(), s::toString);
        assertEquals(4, s.path("iterations").asInt(), "2 iterations at each of 2 scales");
        assertEquals(4, s.path("iteration").asInt(), () -> "iterations count across the scales: " + s);
        assertEquals(List.of(1, 2, 3, 4), ints(s.path("savedIterations")));
        assertEquals(2, s.path("stage").path("index").asInt());
        assertEquals(32, s.path("width").asInt());
        List<Integer> stages = new ArrayList<>();
        s.path("history").forEach(p -> stages.add(p.path("stage").asInt()));
        assertEquals(List.of(1, 1, 2, 2), stages, "the loss history says each iteration's scale");
        JsonNode first = http.get("/api/jobs/" + id + "/inspect?iteration=2").json(), last = http.get("/api/jobs/" + id + "/inspect?iteration=3").json();
        assertEquals("scale 1/2, 24×18", first.path("stage").path("label").asText());
        assertEquals("scale 2/2, 32×24", last.path("stage").path("label").asText());
        assertEquals(1, last.path("stageIteration").asInt());
        assertEquals(List.of(128, 12, 16), ints(last.path("layers").get(0).path("shape")), "relu2_2 at 32x24: " + last.path("layers").get(0).path("name"));

        // Luminance transfer: the result minus the photo is grey (the same change on R, G and B), up to 8-bit rounding.
        byte[] resultPng = http.get("/api/jobs/" + id + "/result.png").body();
        Image out = Images.decode(resultPng, "result");
        Image photo = Images.resize(Examples.image("tubingen"), out.width(), out.height());
        float[] o = out.rgb(), c = photo.rgb();
        int n = out.pixels();
        double worst = 0, change = 0;
        for (int i = 0; i < n; i++) {
            double dr = o[i] - c[i], dg = o[n + i] - c[n + i], db = o[2 * n + i] - c[2 * n + i];
            worst = Math.max(worst, Math.max(Math.abs(dr - dg), Math.abs(dg - db)));
            change = Math.max(change, Math.abs(dr));
        }
        assertTrue(worst <= 2.5 / 255, "chroma kept: max |ΔR − ΔG|, |ΔG − ΔB| = " + worst);
        assertTrue(change > 0.02, "but the luminance changed: " + change);

        // The result carries the run's options as nst stylize writes them, and --like reruns them to the same pixels.
        Path dir = Files.createTempDirectory("nst-studio-like");
        Path result = dir.resolve("studio.png"), again = dir.resolve("again.png"), mask = dir.resolve("everywhere.png"), init = dir.resolve("start.png");
        Files.write(result, resultPng);
        Files.write(mask, png(16, 16));
        Files.write(init, png(40, 30));
        Map<String, String> meta = Images.readPngText(result);
        String recorded = meta.get("nst:options");
        System.out.println("nst:options = " + recorded);
        for (String want : List.of("--content examples/tubingen.jpg", "--style examples/starry_night.jpg", "--mask everywhere.png",
                "--init-image start.png", "--preserve-colors luminance", "--scales 24,32", "--style-scale 0.75", "--normalize-gradients",
                "--optimizer adam", "--history 5", "--content-layers relu2_2", "--weights random", "--backend scalar"))
            assertTrue(recorded.contains(want), want + " in " + recorded);
        assertEquals("0", meta.get("nst:seed"));
        assertEquals(s.path("backend").asText(), meta.get("nst:backend"));
        assertNotNull(meta.get("nst:weights-source"));
        assertTrue(meta.get("nst:note").contains("studio"), meta.toString());
        Path examples = Files.isDirectory(Path.of("examples")) ? Path.of(".") : Path.of("..");      // tests run in app/
        assertTrue(Files.isRegularFile(examples.resolve("examples/tubingen.jpg")), "the recorded example path exists in the nst folder");
        int code = nst.app.Main.commandLine().execute("stylize", "--like", result.toString(), "--out", again.toString(), "--quiet",
                "--content", examples.resolve("examples/tubingen.jpg").toString(), "--style", examples.resolve("examples/starry_night.jpg").toString(),
                "--mask", mask.toString(), "--init-image", init.toString());
        assertEquals(0, code);
        assertArrayEquals(out.rgb(), Images.read(again).rgb(), "the rerun from the studio's metadata gives the same image");
    }

    @Test
    void aTiledJobCountsEveryTilesIterations() throws Exception {
        Http.Reply r = http.post("/api/jobs", quick(2, 48, 2).field("tile", 32).field("tileIterations", 1));
        assertEquals(202, r.status(), () -> new String(r.body()));
        JsonNode s = http.await(r.json().path("id").asText(), LONG, "done", "failed");
        assertEquals("done", s.path("status").asText(), s::toString);
        assertEquals(32, s.path("stage").path("tile").asInt());
        // tubingen (4:3) at 48 px is 48 x 36: the engine's grid of 32 px tiles, 2 rounds of 1 iteration
        int planned = nst.engine.TileGrid.of(48, 36, 32, 2, 1).totalIterations();
        assertTrue(planned >= 2 * 4, "two rounds over at least 2 x 2 tiles: " + planned);
        assertEquals(planned, s.path("iterations").asInt(), s::toString);
        assertTrue(s.path("iteration").asInt() > 2 && s.path("iteration").asInt() <= s.path("iterations").asInt(), s::toString);
        assertEquals(List.of(), ints(s.path("savedIterations")), "single tiles are not snapshotted");
        assertEquals(48, Images.decode(http.get(s.path("result").asText()).body(), "result").width());
    }

    @Test
    void badControlsAre400NamingTheField() throws Exception {
        assertBad(quick(2).field("preserveColors", "sepia"), "--preserve-colors");
        assertBad(quick(2).field("scales", "24,abc"), "--scales");
        assertBad(quick(2).field("scales", "48,32"), "--scales must increase");
        assertBad(quick(2).field("scales", "16,17,18,19,20,21,22"), "--scales");
        assertBad(quick(2).field("scales", "64,2048"), "--scales");
        assertBad(quick(2).field("tile", 8), "--tile");
        assertBad(quick(2).field("tileIterations", 0), "--tile-iterations");
        assertBad(quick(2).field("styleScale", "-1"), "--style-scale");
        assertBad(quick(2).field("styleScale", "0.1"), "--style-scale");
        assertBad(quick(2, 512, 2).field("styleScale", "4"), "--style-scale");
        assertBad(quick(2).field("normalizeGradients", "maybe"), "--normalize-gradients");
        assertBad(quick(2).field("history", 0), "--history");
        assertBad(quick(2).file("mask", "a.png", png(16, 16)).file("mask", "b.png", png(16, 16)), "--mask");
        assertBad(quick(2).file("mask", "a.png", png(16, 16)).field("tile", 32), "--mask");
        assertBad(quick(2).field("initImage", "/etc/passwd"), "initImage");
        assertBad(quick(2).field("mask", "left.png"), "mask");
    }

    @Test
    void initImageAndMasksAreCheckedLikeTheOtherUploads() throws Exception {
        Http.Reply r = http.post("/api/jobs", quick(2).file("initImage", "init.png", "not an image".getBytes()));
        assertEquals(415, r.status(), () -> new String(r.body()));
        assertTrue(r.error().contains("initImage") && r.error().contains("init.png"), r.error());
        Http.Reply m = http.post("/api/jobs", quick(2).file("mask", "mask.jpg", "GIF89a but not really".getBytes()));
        assertEquals(415, m.status(), () -> new String(m.body()));
        assertTrue(m.error().contains("mask") && m.error().contains("mask.jpg"), m.error());
        Http.Reply px = http.post("/api/jobs", quick(2).file("initImage", "wide.png", png(2000, 600)));
        assertEquals(413, px.status(), () -> new String(px.body()));
        assertTrue(px.error().contains("initImage") && px.error().contains("1.0 megapixels"), px.error());
    }

    @Test
    void eventsComeInOrderAndLateClientsGetTheStateFirst() throws Exception {
        String id = http.post("/api/jobs", quick(4)).json().path("id").asText();
        List<Http.Sse> ev = http.events(id, LONG);
        List<String> names = ev.stream().map(Http.Sse::event).toList();
        assertEquals("progress", names.get(0), names::toString);
        assertEquals("done", names.get(names.size() - 1), names::toString);
        assertTrue(names.contains("image"), names::toString);
        int lastProgress = names.lastIndexOf("progress");
        assertTrue(lastProgress < names.size() - 1, "progress before done: " + names);
        List<Integer> its = new ArrayList<>();
        for (Http.Sse e : ev) if (e.event().equals("progress")) its.add(e.data().path("iteration").asInt());
        assertTrue(its.containsAll(List.of(1, 2, 3, 4)), "a progress event every iteration: " + its);
        for (int i = 1; i < its.size(); i++) assertTrue(its.get(i) >= its.get(i - 1), "iterations never go back: " + its);
        for (Http.Sse e : ev)
            if (e.event().equals("image")) assertEquals(200, http.get(e.data().path("url").asText()).status());

        List<String> late = http.events(id, Duration.ofSeconds(30)).stream().map(Http.Sse::event).toList();
        assertEquals(List.of("progress", "image", "done"), late, "a client after the end gets state, latest image, end");
        assertEquals(404, http.get("/api/jobs/nope/events").status());
    }

    @Test
    void cancelStopsARunningJobAndAQueuedOne() throws Exception {
        String running = http.post("/api/jobs", quick(200)).json().path("id").asText();
        String queued = http.post("/api/jobs", quick(200)).json().path("id").asText();
        http.await(running, LONG, "running");
        assertEquals("queued", http.get("/api/jobs/" + queued).json().path("status").asText());
        Http.Reply q = http.delete("/api/jobs/" + queued);
        assertEquals(202, q.status());
        assertEquals("cancelled", q.json().path("status").asText(), "a queued job is cancelled at once");
        long t0 = System.nanoTime();
        assertEquals(202, http.delete("/api/jobs/" + running).status());
        JsonNode s = http.await(running, LONG, "cancelled", "done", "failed");
        assertEquals("cancelled", s.path("status").asText());
        assertTrue(s.path("iteration").asInt() < 200);
        assertTrue((System.nanoTime() - t0) / 1e9 < 60, "cancel takes effect within an evaluation or two");
        assertEquals(200, http.get("/api/jobs/" + running + "/result.png").status(), "the last good image stays downloadable");
        assertEquals(200, http.delete("/api/jobs/" + running).status(), "cancelling an ended job changes nothing");
    }

    @Test
    void aFailingJobIsReportedAndTheServerCarriesOn() throws Exception {
        // 16 px on the long side of a 4:1 image leaves 4 px, too small for the pooling layers before relu5_1.
        Http.Reply r = http.post("/api/jobs", new Http.Form().file("content", "strip.png", png(64, 16)).field("styleExample", "starry_night")
                .field("size", 16).field("iterations", 2).field("weights", "random"));
        assertEquals(202, r.status(), () -> new String(r.body()));
        String id = r.json().path("id").asText();
        List<String> names = http.events(id, LONG).stream().map(Http.Sse::event).toList();
        assertEquals("failed", names.get(names.size() - 1), names::toString);
        JsonNode s = http.get("/api/jobs/" + id).json();
        assertEquals("failed", s.path("status").asText());
        assertTrue(s.path("error").asText().contains("too small"), s.toString());
        assertEquals(409, http.get("/api/jobs/" + id + "/result.png").status());
        String next = http.post("/api/jobs", quick(1)).json().path("id").asText();
        assertEquals("done", http.await(next, LONG, "done", "failed").path("status").asText());
    }

    @Test
    void oversizeUploadsAre413WithTheLimit() throws Exception {
        byte[] big = new byte[300 * 1024];
        new java.util.Random(1).nextBytes(big);
        Http.Reply r = http.post("/api/jobs", new Http.Form().file("content", "big.jpg", big).field("styleExample", "starry_night"));
        assertEquals(413, r.status());
        assertTrue(r.error().contains("256.0 KB"), r.error());
        Http.Reply px = http.post("/api/jobs", new Http.Form().file("content", "wide.png", png(2000, 600)).field("styleExample", "starry_night"));
        assertEquals(413, px.status(), () -> new String(px.body()));
        assertTrue(px.error().contains("2000x600") && px.error().contains("1.0 megapixels"), px.error());
    }

    @Test
    void filesAreCheckedByDecodingNotByName() throws Exception {
        Http.Reply r = http.post("/api/jobs", new Http.Form().file("content", "photo.png", "not an image at all".getBytes())
                .field("styleExample", "starry_night"));
        assertEquals(415, r.status());
        assertTrue(r.error().contains("photo.png") && r.error().contains("not an image"), r.error());
        byte[] truncated = java.util.Arrays.copyOf(png(64, 64), 60);
        Http.Reply t = http.post("/api/jobs", new Http.Form().file("style", "cut.png", truncated).field("contentExample", "tubingen"));
        assertEquals(415, t.status(), () -> new String(t.body()));
    }

    @Test
    void badOptionsAre400NamingTheOption() throws Exception {
        assertBad(quick(2).field("learningRate", "fast"), "--learning-rate");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("size", "abc"), "--size");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("size", 8), "--size");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("styleLayers", "relu9_9"), "--style-layers");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("init", "magic"), "--init");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("weights", "/etc/passwd"), "--weights");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("iterations", 999999), "--iterations");
        assertBad(new Http.Form().field("styleExample", "starry_night"), "--content");
        assertBad(new Http.Form().field("contentExample", "mona_lisa"), "contentExample");
        assertBad(new Http.Form().field("contentExample", "tubingen").field("colour", "red"), "colour");
    }

    private static void assertBad(Http.Form f, String mentions) throws Exception {
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(400, r.status(), () -> new String(r.body()));
        assertTrue(r.error().contains(mentions), "'" + r.error() + "' should name " + mentions);
    }

    @Test
    void aFullQueueIs429() throws Exception {
        try (StudioServer small = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1).withQueue(1))) {
            Http h = new Http(small.url());
            String a = h.post("/api/jobs", quick(500)).json().path("id").asText();
            String b = h.post("/api/jobs", quick(500)).json().path("id").asText();
            Http.Reply c = h.post("/api/jobs", quick(500));
            assertEquals(429, c.status(), () -> new String(c.body()));
            assertTrue(c.error().contains("queue is full"), c.error());
            h.delete("/api/jobs/" + b);
            Http.Reply d = h.post("/api/jobs", quick(2));
            assertEquals(202, d.status(), "cancelling a queued job frees its place");
            h.delete("/api/jobs/" + a);
            assertEquals("done", h.await(d.json().path("id").asText(), LONG, "done", "failed").path("status").asText());
        }
    }

    @Test
    void twoClientsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                int seed = k;
                runs.add(pool.submit(() -> {
                    Http own = new Http(server.url());
                    String id = own.post("/api/jobs", quick(2).field("seed", seed)).json().path("id").asText();
                    List<String> names = own.events(id, LONG).stream().map(Http.Sse::event).toList();
                    Http.Reply png = own.get("/api/jobs/" + id + "/result.png");
                    assertEquals(200, png.status());
                    assertEquals(String.valueOf(seed), metadata(png.body()).get("nst:seed"), "each client's job ran its own seed");
                    return names;
                }));
            }
            for (Future<List<String>> f : runs) {
                List<String> names = f.get(5, TimeUnit.MINUTES);
                assertEquals("done", names.get(names.size() - 1), names::toString);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(200, http.get("/api/examples").status());
        assertEquals("image/jpeg", http.get("/api/examples/starry_night").contentType());
        assertEquals(404, http.get("/api/examples/nothing").status());
    }

    /**
     * Every option field the form takes reaches the job: each submitted value (none of them a default) is the one recorded
     * in the result's nst:options, which is what the engine ran with.
     */
    @Test
    void everySubmittedOptionIsTheOneTheJobRan() throws Exception {
        Http.Form f = new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("styleExample", "the_scream")
                .field("size", 24).field("iterations", 1).field("weights", "random").field("model", "vgg16").field("pooling", "avg")
                .field("optimizer", "adam").field("learningRate", "2.5").field("history", 4).field("contentWeight", "3.5")
                .field("styleWeight", "12.5").field("tvWeight", "0.25").field("contentLayers", "relu2_2:0.5").field("styleLayers", "relu1_1,relu2_1:2.0")
                .field("styleBlend", "1,3").field("init", "noise").field("seed", 11).field("styleScale", "1.5").field("normalizeGradients", "true");
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        JsonNode s = http.await(r.json().path("id").asText(), LONG, "done", "failed");
        assertEquals("done", s.path("status").asText(), s::toString);
        Map<String, String> meta = metadata(http.get(s.path("result").asText()).body());
        String ran = meta.get("nst:options");
        for (String want : List.of("--size 24", "--iterations 1", "--model vgg16", "--pooling avg", "--optimizer adam", "--learning-rate 2.5",
                "--history 4", "--content-weight 3.5", "--style-weight 12.5", "--tv-weight 0.25", "--content-layers relu2_2:0.5",
                "--style-layers relu1_1,relu2_1:2.0", "--style-blend 1.0,3.0", "--init noise", "--style-scale 1.5", "--normalize-gradients"))
            assertTrue(ran.contains(want), want + " in " + ran);
        assertEquals("11", meta.get("nst:seed"));
    }

    /** The tEXt entries of a result PNG. */
    static Map<String, String> metadata(byte[] png) throws Exception {
        Path f = Files.createTempFile("nst-studio-result", ".png");
        try {
            Files.write(f, png);
            return Images.readPngText(f);
        } finally {
            Files.delete(f);
        }
    }

    static List<Integer> ints(JsonNode a) {
        List<Integer> l = new ArrayList<>();
        a.forEach(n -> l.add(n.asInt()));
        return l;
    }
}
