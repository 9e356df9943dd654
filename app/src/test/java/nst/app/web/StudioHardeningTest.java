package nst.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import nst.engine.image.Image;
import nst.engine.StyleOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio as an attacker meets it (issue 13): forged Host and Origin headers, CORS preflights, event streams and
 * slow uploads by the hundred, inputs a finished job no longer needs, uploads counted and measured before any is
 * decoded, malformed bodies, oversized fields, repeated layers. Every answer is checked by status and message.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StudioHardeningTest {
    static StudioServer server;
    static Http http;
    static int port;

    @BeforeAll
    static void start() {
        server = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1).withLimits(256 * 1024, 1_000_000));
        http = new Http(server.url());
        port = server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    // ---------------------------------------------------------------- Host and Origin (DNS rebinding, cross-site requests)

    @Test
    void aForgedHostIsRefusedOnEveryPath() throws Exception {
        for (String path : List.of("/api/jobs", "/", "/api/examples")) {
            String r = RawHttp.exchange(port, null, "GET " + path + " HTTP/1.1", "Host: rebind.attacker.example:" + port);
            assertEquals(421, RawHttp.status(r), r);
            assertTrue(RawHttp.body(r).contains("Host 'rebind.attacker.example:" + port + "'"), r);
            assertTrue(RawHttp.body(r).contains("--allowed-host"), "the message says how to allow a name: " + r);
        }
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port)) {
            String r = RawHttp.exchange(port, null, "GET /api/jobs HTTP/1.1", "Host: " + host);
            assertEquals(200, RawHttp.status(r), host + ": " + r);
        }
    }

    @Test
    void anAllowedHostNameIsServed() throws Exception {
        try (StudioServer s = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1)
                .withNetwork(StudioServer.Network.defaults().withAllowedHosts(List.of("studio.lan"))))) {
            assertEquals(200, RawHttp.status(RawHttp.exchange(s.port(), null, "GET /api/jobs HTTP/1.1", "Host: Studio.LAN:" + s.port())));
            assertEquals(421, RawHttp.status(RawHttp.exchange(s.port(), null, "GET /api/jobs HTTP/1.1", "Host: studio.lan.attacker.example")));
        }
    }

    @Test
    void aCrossSitePostOrDeleteIsRefusedAndChangesNothing() throws Exception {
        int before = http.get("/api/jobs").json().size();
        Http.Form f = StudioApiTest.quick(1);
        for (String origin : List.of("http://attacker.example", "null", "http://127.0.0.1:" + (port + 1), "https://127.0.0.1:" + port)) {
            String r = RawHttp.exchange(port, f.bytes(), "POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + port, "Origin: " + origin,
                    "Content-Type: multipart/form-data; boundary=" + f.boundary, "Content-Length: " + f.bytes().length);
            assertEquals(403, RawHttp.status(r), origin + ": " + r);
            assertTrue(RawHttp.body(r).contains("Origin '" + origin + "'"), r);
        }
        assertEquals(before, http.get("/api/jobs").json().size(), "no job was created by a cross-site request");

        String id = http.post("/api/jobs", StudioApiTest.quick(300)).json().path("id").asText();
        String del = RawHttp.exchange(port, null, "DELETE /api/jobs/" + id + " HTTP/1.1", "Host: 127.0.0.1:" + port, "Origin: http://attacker.example");
        assertEquals(403, RawHttp.status(del), del);
        assertNotEquals("cancelled", http.get("/api/jobs/" + id).json().path("status").asText(), "a cross-site DELETE cancels nothing");
        String same = RawHttp.exchange(port, null, "DELETE /api/jobs/" + id + " HTTP/1.1", "Host: localhost:" + port, "Origin: http://localhost:" + port);
        assertEquals(202, RawHttp.status(same), "a same-origin DELETE (the page's own) works: " + same);
        http.await(id, Duration.ofMinutes(2), "cancelled");
    }

    @Test
    void aCorsPreflightIsRefusedWithoutAllowHeaders() throws Exception {
        String r = RawHttp.exchange(port, null, "OPTIONS /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + port, "Origin: http://attacker.example",
                "Access-Control-Request-Method: POST");
        assertEquals(403, RawHttp.status(r), r);
        assertFalse(RawHttp.hasHeader(r, "Access-Control-Allow"), r);
        assertTrue(RawHttp.body(r).contains("cross-origin"), r);
    }

    // ---------------------------------------------------------------- connections

    @Test
    void eventStreamsAreCappedPerJobAndInTotal() throws Exception {
        try (StudioServer s = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1)
                .withNetwork(StudioServer.Network.defaults().withStreams(2, 3)))) {
            Http h = new Http(s.url());
            String a = h.post("/api/jobs", StudioApiTest.quick(500)).json().path("id").asText();
            String b = h.post("/api/jobs", StudioApiTest.quick(500)).json().path("id").asText();
            List<RawHttp> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) open.add(stream(s.port(), a, 200));
                RawHttp third = stream(s.port(), a, 429);
                assertTrue(third.readAll().contains("2 event streams per job"), "the refusal names the limit");
                open.add(stream(s.port(), b, 200));
                RawHttp over = stream(s.port(), b, 429);
                assertTrue(over.readAll().contains("3 event streams in all"));
                assertEquals(200, h.get("/api/jobs/" + b).status(), "status requests still work");

                h.delete("/api/jobs/" + a);                     // a's streams end with it, and give back their places
                h.await(a, Duration.ofMinutes(2), "cancelled");
                long end = System.nanoTime() + 20_000_000_000L;
                int got = 0;
                while (System.nanoTime() < end && got != 200) {
                    try (RawHttp r = new RawHttp(s.port(), 10_000)) {
                        r.head("GET /api/jobs/" + b + "/events HTTP/1.1", "Host: 127.0.0.1:" + s.port(), "Accept: text/event-stream");
                        got = RawHttp.status(r.readHead());
                    }
                    if (got != 200) Thread.sleep(200);
                }
                assertEquals(200, got, "a place freed by an ended stream is usable again");
                h.delete("/api/jobs/" + b);
            } finally {
                for (RawHttp r : open) r.close();
            }
        }
    }

    private static RawHttp stream(int port, String id, int wantStatus) throws Exception {
        RawHttp r = new RawHttp(port, 10_000);
        r.head("GET /api/jobs/" + id + "/events HTTP/1.1", "Host: 127.0.0.1:" + port, "Accept: text/event-stream");
        String head = r.readHead();
        assertEquals(wantStatus, RawHttp.status(head), head);
        return r;
    }

    @Test
    void slowUploadsTimeOutAndCannotTakeEveryThread() throws Exception {
        try (StudioServer s = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1)
                .withNetwork(StudioServer.Network.defaults().withUploads(2, 2, 1024)))) {
            Http h = new Http(s.url());
            List<RawHttp> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawHttp r = new RawHttp(s.port(), 20_000);
                    r.head("POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + s.port(), "Content-Type: multipart/form-data; boundary=x",
                            "Content-Length: 1000000");
                    r.body("--x\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n3".getBytes(StandardCharsets.UTF_8));
                    slow.add(r);
                }
                Thread.sleep(300);                              // both are now inside the upload path, waiting for bytes
                String third = RawHttp.exchange(s.port(), "x".repeat(10).getBytes(), "POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + s.port(),
                        "Content-Type: multipart/form-data; boundary=x", "Content-Length: 10");
                assertEquals(503, RawHttp.status(third), third);
                assertTrue(RawHttp.body(third).contains("2 uploads"), third);
                assertEquals(200, h.get("/").status(), "the page is served while uploads wait");
                assertEquals(200, h.get("/api/jobs").status(), "and the job list");
                long t0 = System.nanoTime();
                for (RawHttp r : slow) {
                    String resp = r.readAll();                   // the server gives up on the stalled body
                    assertTrue(resp.isEmpty() || RawHttp.status(resp) == 408 || RawHttp.status(resp) == 400, resp);
                }
                assertTrue((System.nanoTime() - t0) / 1e9 < 15, "stalled bodies time out in seconds");
                Http.Reply after = h.post("/api/jobs", StudioApiTest.quick(1));
                assertEquals(202, after.status(), "the upload places were given back: " + new String(after.body()));
            } finally {
                for (RawHttp r : slow) r.close();
            }
        }
    }

    // ---------------------------------------------------------------- memory

    @Test
    void aFinishedJobLetsGoOfItsDecodedInputs() throws Exception {
        WeakReference<Image> content = submitAndForget();
        for (int i = 0; i < 50 && content.get() != null; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertNull(content.get(), "the job's decoded content image is still reachable after the job ended");
    }

    private static WeakReference<Image> submitAndForget() throws Exception {
        Image c = nst.engine.image.Images.decode(StudioApiTest.png(40, 30), "content");
        Image st = nst.engine.image.Images.decode(StudioApiTest.png(30, 30), "style");
        StyleOptions o = StyleOptions.builder().content(c).styles(List.of(st)).size(32).iterations(1).weights("random").backend("scalar").threads(1)
                .contentLayers(nst.engine.loss.LayerWeight.parseList("relu2_2", "--content-layers"))
                .styleLayers(nst.engine.loss.LayerWeight.parseList("relu1_1", "--style-layers")).build();
        Job job = server.jobs().submit(o);
        http.await(job.id(), Duration.ofMinutes(2), "done", "failed");
        assertEquals("done", job.status().json());
        assertNotNull(job.resultPng(), "the result stays");
        return new WeakReference<>(c);
    }

    @Test
    void styleUploadsAreCountedBeforeAnyIsDecoded() throws Exception {
        // Headers that say 900x900 (allowed) followed by garbage: decoding any of them fails, so a count error proves none was decoded.
        byte[] header = Arrays.copyOf(StudioApiTest.png(900, 900), 60);
        Http.Form f = new Http.Form().field("contentExample", "tubingen");
        for (int i = 0; i < 5; i++) f.file("style", "s" + i + ".png", header);
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(400, r.status(), () -> new String(r.body()));
        assertTrue(r.error().contains("at most 4 style images, got 5"), r.error());
    }

    @Test
    void everyUploadsPixelsAreCheckedBeforeAnyIsDecoded() throws Exception {
        // A sound chunk structure whose compressed pixels are garbage: the header check passes it, decoding would fail (415).
        byte[] brokenContent = StudioApiTest.png(64, 64);
        int idat = indexOf(brokenContent, "IDAT".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int i = idat + 4; i < Math.min(idat + 24, brokenContent.length - 12); i++) brokenContent[i] = (byte) 0xA5;
        Http.Reply r = http.post("/api/jobs", new Http.Form().file("content", "c.png", brokenContent).file("style", "huge.png", StudioApiTest.png(2000, 600)));
        assertEquals(413, r.status(), () -> new String(r.body()));
        assertTrue(r.error().contains("huge.png") && r.error().contains("2000x600"), r.error());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void aMalformedMultipartBodyIs400WithAPlainMessage() throws Exception {
        byte[] body = "--x\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n32\r\n--x\r\nno disposition here\r\n\r\n\u0000".getBytes(StandardCharsets.ISO_8859_1);
        String r = RawHttp.exchange(port, body, "POST /api/jobs HTTP/1.1", "Host: 127.0.0.1:" + port, "Content-Type: multipart/form-data; boundary=x",
                "Content-Length: " + body.length);
        assertEquals(400, RawHttp.status(r), r);
        String msg = Http.JSON.readTree(RawHttp.body(r)).path("error").asText();
        assertTrue(msg.contains("multipart"), msg);
        assertFalse(msg.contains("Exception") || msg.contains("java."), "no internal exception text: " + msg);
    }

    @Test
    void apiNotFoundAnswersKeepTheirOwnMessages() throws Exception {
        Http.Reply job = http.get("/api/jobs/nosuchjob");
        assertEquals(404, job.status());
        assertTrue(job.error().contains("no job 'nosuchjob'"), () -> new String(job.body()));
        Http.Reply img = http.get("/api/examples/mona_lisa");
        assertEquals(404, img.status());
        assertNotNull(img.error(), () -> "JSON, not the page's 404: " + new String(img.body()));
        assertTrue(img.error().contains("mona_lisa"), img.error());
        Http.Reply none = http.get("/api/nothing");
        assertEquals(404, none.status());
        assertTrue(none.error().contains("no such endpoint"), none.error());
    }

    @Test
    void anOversizedTextFieldIsNamed() throws Exception {
        for (int chars : List.of(100_000, 1_200_000)) {        // over the studio's text limit; over Jetty's limit for any part
            Http.Reply r = http.post("/api/jobs", StudioApiTest.quick(1).field("styleBlend", "1,".repeat(chars / 2)));
            assertEquals(413, r.status(), () -> new String(r.body()));
            assertTrue(r.error().contains("field 'styleBlend'"), r.error());
            assertFalse(r.error().contains("per file"), r.error());
        }
    }

    @Test
    void aRepeatedLayerOrTooManyLayersIs400NamingTheField() throws Exception {
        Http.Reply twice = http.post("/api/jobs", new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("model", "vgg19")
                .field("styleLayers", "relu1_1,relu2_1,relu1_1:0.5"));
        assertEquals(400, twice.status(), () -> new String(twice.body()));
        assertTrue(twice.error().contains("--style-layers") && twice.error().contains("relu1_1") && twice.error().contains("more than once"), twice.error());
        Http.Reply many = http.post("/api/jobs", new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night")
                .field("contentLayers", String.join(",", java.util.Collections.nCopies(300, "relu4_2"))));
        assertEquals(400, many.status(), () -> new String(many.body()));
        assertTrue(many.error().contains("--content-layers") && many.error().contains("at most 37 layers") && many.error().contains("got 300"), many.error());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("chunk not found");
    }
}
