package nst.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import nst.engine.WeightsLookup;
import nst.engine.adain.AdaInTransfer;
import nst.engine.image.Image;
import nst.engine.image.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio's AdaIN method (issue 15) over real HTTP: a method=adain job through the job queue (its PNG carries the
 * metadata nst stylize --method adain writes), the options each method refuses, a bad alpha, the options catalogue
 * saying which method each option is for, and "refine with Gatys": a Gatys job whose initial image is the AdaIN
 * preview continues from exactly that picture. Seeded random AdaIN and VGG weights, tiny images, the scalar backend.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StudioAdainTest {
    static StudioServer server;
    static Http http;
    static final Duration LONG = Duration.ofMinutes(2);

    @BeforeAll
    static void start() {
        server = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1).withLimits(256 * 1024, 1_000_000));
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static Http.Form adain() { return adain("random"); }

    static Http.Form adain(String weights) {
        return new Http.Form().file("content", "photo.png", StudioApiTest.png(48, 36)).field("styleExample", "starry_night")
                .field("method", "adain").field("weights", weights).field("size", 32).field("seed", 3);
    }

    /** Gatys (the default method: no method field) at its cheapest: shallow layers, random VGG weights. */
    static Http.Form gatys(int iterations) {
        return new Http.Form().file("content", "photo.png", StudioApiTest.png(48, 36)).field("styleExample", "starry_night")
                .field("weights", "random").field("size", 32).field("iterations", iterations)
                .field("contentLayers", "relu2_2").field("styleLayers", "relu1_1,relu2_1");
    }

    static JsonNode run(Http.Form f) throws Exception {
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        JsonNode s = http.await(r.json().path("id").asText(), LONG, "done", "failed", "cancelled");
        assertEquals("done", s.path("status").asText(), s::toString);
        return s;
    }

    @Test
    void anAdainJobRunsThroughTheQueueAndRecordsItsOptions() throws Exception {
        JsonNode s = run(adain().field("alpha", "0.6"));
        assertEquals("adain", s.path("method").asText());
        assertEquals(0, s.path("iterations").asInt(), "one pass, no iterations");
        assertEquals(List.of(), StudioApiTest.ints(s.path("savedIterations")), "no step-through");
        assertEquals(32, s.path("width").asInt());
        assertEquals(24, s.path("height").asInt());
        byte[] png = http.get(s.path("result").asText()).body();
        Image out = Images.decode(png, "result");
        assertEquals(32, out.width(), "the content's size after --size");
        assertEquals(24, out.height());
        Map<String, String> meta = StudioApiTest.metadata(png);
        String ran = meta.get("nst:options");
        for (String want : List.of("--method adain", "--alpha 0.6", "--size 32", "--weights random", "--content photo.png",
                "--style examples/starry_night.jpg"))
            assertTrue(ran.contains(want), want + " in " + ran);
        assertFalse(ran.contains("--iterations") || ran.contains("--optimizer"), "no Gatys options in an AdaIN record: " + ran);
        assertEquals("3", meta.get("nst:seed"));
        assertTrue(meta.get("nst:weights-source").contains("random"), meta.toString());
        assertNotNull(meta.get("nst:backend"));
    }

    @Test
    void badAlphaAndOptionsTheMethodIgnoresAre400NamingThem() throws Exception {
        assertBad(adain().field("alpha", "1.5"), "--alpha");
        assertBad(adain().field("alpha", "-0.1"), "--alpha");
        assertBad(adain().field("alpha", "strong"), "--alpha");
        assertBad(adain().field("method", "johnson"), "--method");
        assertBad(adain().field("iterations", 10), "--iterations means nothing for --method adain");
        assertBad(adain().field("saveEvery", 2), "--save-every");
        assertBad(adain().file("initImage", "start.png", StudioApiTest.png(32, 24)), "--init-image");
        assertBad(gatys(1).field("alpha", "0.5"), "--alpha means nothing for --method gatys");
        assertBad(adain("/etc/passwd"), "--weights: the studio takes 'random' or 'auto'");
        assertBad(adain().field("size", 8), "--size");
        Http.Form tiny = new Http.Form().file("content", "strip.png", StudioApiTest.png(40, 8)).field("styleExample", "starry_night")
                .field("method", "adain").field("weights", "random").field("size", 40);
        assertBad(tiny, "too small for AdaIN");
        if (!Files.isRegularFile(WeightsLookup.defaultFile(AdaInTransfer.MODEL)))
            assertBad(adain("auto"), "weights fetch adain");
    }

    @Test
    void theCatalogueSaysWhichMethodEachOptionIsFor() throws Exception {
        JsonNode d = http.get("/api/options").json();
        assertEquals("[\"adain\"]", OptionsApiTest.option(d, "alpha").path("methods").toString());
        assertEquals("[\"gatys\"]", OptionsApiTest.option(d, "iterations").path("methods").toString());
        assertEquals("[\"gatys\",\"adain\"]", OptionsApiTest.option(d, "size").path("methods").toString());
        assertEquals("[\"gatys\",\"adain\"]", OptionsApiTest.option(d, "method").path("choices").toString());
        String adainAuto = d.path("autoWeights").path("adain").asText();
        assertEquals(Files.isRegularFile(WeightsLookup.defaultFile(AdaInTransfer.MODEL)) ? "pretrained" : "missing", adainAuto);
    }

    /**
     * Refine with Gatys as the page does it: the preview PNG goes back as the initial image of a Gatys job with the same
     * inputs. With 0 iterations the Gatys result is that picture: the optimisation continues from it (that a job with an
     * initial image then optimises is StudioApiTest's).
     */
    @Test
    void refineWithGatysStartsFromThePreview() throws Exception {
        byte[] preview = http.get(run(adain()).path("result").asText()).body();
        Image p = Images.decode(preview, "preview");
        JsonNode zero = run(gatys(0).file("initImage", "adain-preview.png", preview));
        assertEquals("gatys", zero.path("method").asText());
        Image start = Images.decode(http.get(zero.path("result").asText()).body(), "start");
        assertEquals(p.width(), start.width());
        assertEquals(p.height(), start.height());
        float[] a = p.rgb(), b = start.rgb();
        float max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        assertTrue(max <= 1.5f / 255, "the refinement starts from the preview, largest difference " + max);
        String ran = StudioApiTest.metadata(http.get(zero.path("result").asText()).body()).get("nst:options");
        assertTrue(ran.contains("--init-image adain-preview.png") && ran.contains("--method gatys"), ran);
        assertFalse(ran.contains("--method adain") || ran.contains("--alpha"), ran);
    }

    private static void assertBad(Http.Form f, String mentions) throws Exception {
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(400, r.status(), () -> new String(r.body()));
        assertTrue(r.error().contains(mentions), "'" + r.error() + "' should name " + mentions);
    }
}
