package nst.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import nst.engine.image.Images;
import nst.engine.StyleOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/** GET /api/options describes the option catalogue the form takes, and a job's unset options take the catalogue's defaults. */
class OptionsApiTest {
    static StudioServer server;
    static Http http;

    @BeforeAll static void start() {
        server = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend("scalar", 1));
        http = new Http(server.url());
    }

    @AfterAll static void stop() {
        if (server != null) server.close();
    }

    static JsonNode option(JsonNode all, String field) {
        for (JsonNode o : all.path("options")) if (o.path("field").asText().equals(field)) return o;
        throw new AssertionError("no option " + field + " in " + all);
    }

    @Test void optionsDescribeTheCatalogue() throws Exception {
        Http.Reply r = http.get("/api/options");
        assertEquals(200, r.status());
        JsonNode d = r.json();
        List<String> fields = new ArrayList<>();
        for (JsonNode o : d.path("options")) fields.add(o.path("field").asText());
        assertEquals(JobForm.OPTION_FIELDS, fields, "the fields the form takes, in the catalogue's order");
        JsonNode layers = option(d, "contentLayers");
        assertEquals("relu4_2", layers.path("defaults").path("pretrained").asText());
        assertEquals("relu2_2", layers.path("defaults").path("random").asText(), "random weights keep detail in shallow layers");
        assertEquals("1e-5", option(d, "tvWeight").path("defaults").path("random").asText());
        assertEquals("--tv-weight", option(d, "tvWeight").path("flag").asText());
        JsonNode size = option(d, "size");
        assertEquals(16, size.path("min").asInt());
        assertEquals(16384, size.path("max").asInt());
        assertEquals(1024, d.path("limits").path("size").asInt(), "this server's limit");
        assertEquals("[\"lbfgs\",\"adam\"]", option(d, "optimizer").path("choices").toString());
        assertTrue(option(d, "learningRate").path("defaults").path("pretrained").isNull(), "it depends on the optimiser");
        assertEquals("384", d.path("page").path("size").asText());
        assertEquals("150", d.path("page").path("iterations").asText());
        assertEquals(String.valueOf(JobForm.DEFAULT_SAVE_EVERY), d.path("page").path("saveEvery").asText());
        assertEquals(StyleOptions.weightsKind("auto", null, "vgg19").name().toLowerCase(Locale.ROOT), d.path("autoWeights").path("vgg19").asText());
        assertFalse(fields.contains("threads") || fields.contains("backend") || fields.contains("lossLog"), "no machine settings or outputs");
    }

    /** A job that leaves the content layers and TV weight out gets the defaults for its weights (random: relu2_2, 1e-5). */
    @Test void unsetOptionsTakeTheDefaultsForTheWeights(@TempDir Path dir) throws Exception {
        Http.Form f = new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("size", 32)
                .field("iterations", 0).field("weights", "random").field("styleLayers", "relu1_1");
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        String id = r.json().path("id").asText();
        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonNode s = http.get("/api/jobs/" + id).json();
        while (s.path("result").isNull() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            s = http.get("/api/jobs/" + id).json();
        }
        assertFalse(s.path("result").isNull(), s.toString());
        Path png = Files.write(dir.resolve("r.png"), http.get(s.path("result").asText()).body());
        String recorded = Images.readPngText(png).get("nst:options");
        assertTrue(recorded.contains("--content-layers relu2_2 ") && recorded.contains("--tv-weight 1.0E-5 "), recorded);
    }

    /** resnet50 is a model choice with its own defaults (byModel). */
    @Test void resnet50IsOfferedWithItsDefaults() throws Exception {
        JsonNode d = http.get("/api/options").json();
        assertTrue(option(d, "model").path("choices").toString().contains("\"resnet50\""), option(d, "model").toString());
        assertEquals("[\"none\",\"softmax\"]", option(d, "featureTransform").path("choices").toString());
        JsonNode byModel = option(d, "featureTransform").path("defaults").path("byModel").path("resnet50");
        assertEquals("softmax", byModel.path("pretrained").asText());
        assertEquals("none", option(d, "featureTransform").path("defaults").path("pretrained").asText());
        assertEquals("relu,layer1.2,layer2.3,layer3.5,layer4.2",
                option(d, "styleLayers").path("defaults").path("byModel").path("resnet50").path("random").asText());
        assertTrue(d.path("autoWeights").has("resnet50"));
    }

    /** A studio job on resnet50 with random weights: full width, 10 to 20 s on the shared build cores (-Dnst.test.fullwidth=true). */
    @Test @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "nst.test.fullwidth", matches = "true")
    void aResNetJobRunsWithItsDefaults(@TempDir Path dir) throws Exception {
        Http.Form f = new Http.Form().field("contentExample", "tubingen").field("styleExample", "starry_night").field("size", 32)
                .field("iterations", 0).field("weights", "random").field("model", "resnet50");
        Http.Reply r = http.post("/api/jobs", f);
        assertEquals(202, r.status(), () -> new String(r.body()));
        String id = r.json().path("id").asText();
        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonNode s = http.get("/api/jobs/" + id).json();
        while (s.path("result").isNull() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            s = http.get("/api/jobs/" + id).json();
        }
        assertFalse(s.path("result").isNull(), s.toString());
        Path png = Files.write(dir.resolve("r.png"), http.get(s.path("result").asText()).body());
        String recorded = Images.readPngText(png).get("nst:options");
        assertTrue(recorded.contains("--model resnet50 ") && recorded.contains("--feature-transform softmax")
                && recorded.contains("--content-layers layer1.2 "), recorded);
    }
}
