package nst.app;

import nst.app.NstCli.Run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code nst batch} end to end on 32-pixel images: outputs, manifest, resuming, --force, failures, name patterns. */
class BatchCommandTest {
    @TempDir Path dir;

    Run nst(String... args) { return NstCli.nst(args); }

    /** A 32x32 image of seeded noise. */
    Path image(String name, long seed) throws Exception {
        float[] rgb = new float[3 * 32 * 32];
        Random r = new Random(seed);
        for (int i = 0; i < rgb.length; i++) rgb[i] = r.nextFloat();
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Images.writePng(new Image(32, 32, rgb), p, null);
        return p;
    }

    /** Two contents in a folder (plus a file that is not an image), two styles, tiny random weights. */
    List<String> batch(Path out, String... more) throws Exception {
        image("contents/c1.png", 1);
        image("contents/c2.png", 2);
        Files.writeString(dir.resolve("contents/notes.txt"), "not an image");
        image("styles/s1.png", 3);
        image("styles/s2.png", 4);
        Path weights = dir.resolve("narrow.safetensors");
        if (!Files.exists(weights)) VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(weights);
        List<String> a = new ArrayList<>(List.of("batch", "--content", dir.resolve("contents").toString(),
                "--style", dir.resolve("styles/s1.png").toString(), dir.resolve("styles/s2.png").toString(),
                "--out-dir", out.toString(), "--size", "32", "--iterations", "2", "--weights", weights.toString(), "--backend", "scalar"));
        a.addAll(Arrays.asList(more));
        return a;
    }

    static List<JsonNode> manifest(Path out) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("manifest.jsonl"))) l.add(json.readTree(line));
        return l;
    }

    static List<String> statuses(Path out) throws Exception {
        return manifest(out).stream().map(n -> n.get("status").asText()).toList();
    }

    @Test
    void makesEveryPairThenSkipsThemThenForceRedoesThem() throws Exception {
        Path out = dir.resolve("out");
        Run first = nst(batch(out).toArray(String[]::new));
        assertEquals(0, first.code(), first.err());
        for (String name : List.of("c1_s1.png", "c1_s2.png", "c2_s1.png", "c2_s2.png")) {
            assertTrue(Files.isRegularFile(out.resolve(name)), name);
            assertTrue(Images.readPngText(out.resolve(name)).get("nst:options").contains("--iterations 2"), name);
        }
        List<JsonNode> m = manifest(out);
        assertEquals(List.of("done", "done", "done", "done"), statuses(out));
        assertEquals(out.toAbsolutePath().normalize().resolve("c1_s1.png").toString(), m.get(0).get("output").asText());
        assertTrue(m.get(0).get("loss").asDouble() > 0, "the final loss is recorded");
        assertTrue(first.err().contains("image 4/4, ETA "), first.err());

        Run again = nst(batch(out).toArray(String[]::new));
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of("skipped", "skipped", "skipped", "skipped"), statuses(out));
        assertTrue(again.err().contains("0 done, 4 skipped, 0 failed"), again.err());

        Run forced = nst(batch(out, "--force").toArray(String[]::new));
        assertEquals(0, forced.code(), forced.err());
        assertEquals(List.of("done", "done", "done", "done"), statuses(out));

        List<String> threeIterations = batch(out);                            // other options: not the same output
        threeIterations.set(threeIterations.indexOf("--iterations") + 1, "3");
        Run changed = nst(threeIterations.toArray(String[]::new));
        assertEquals(0, changed.code(), changed.err());
        assertEquals(List.of("done", "done", "done", "done"), statuses(out));
    }

    @Test
    void aCorruptContentFailsOnlyItsOwnOutputs() throws Exception {
        Path out = dir.resolve("out");
        List<String> args = batch(out);
        Files.write(dir.resolve("contents/c2.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Run r = nst(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("c1_s1.png")));
        assertTrue(Files.isRegularFile(out.resolve("c1_s2.png")));
        assertFalse(Files.exists(out.resolve("c2_s1.png")));
        assertFalse(Files.exists(out.resolve("c2_s2.png")));
        List<JsonNode> m = manifest(out);
        assertEquals(List.of("done", "done", "failed", "failed"), statuses(out));
        assertTrue(m.get(2).get("reason").asText().contains("c2.png"), m.get(2).toString());
        assertNull(m.get(0).get("reason"));
        assertTrue(r.err().contains("nst: failed: c2_s1.png: "), r.err());
        assertTrue(r.err().contains("2 done, 0 skipped, 2 failed"), r.err());
    }

    @Test
    void aNamePatternThatLeavesTheFolderIsRefusedBeforeAnything() throws Exception {
        Path out = dir.resolve("out");
        for (String bad : List.of("../{content}_{style}.png", "sub/{content}.png", "{content}..{style}.png")) {
            Run r = nst(batch(out, "--name-pattern", bad).toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("nst: error: --name-pattern: '" + bad + "' must be a file name"), r.err());
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    /** Options the engine refuses fail every image with the option named by its flag, as stylize says it. */
    @Test
    void aBadOptionFailsEveryImageWithTheFlagNamed() throws Exception {
        Path out = dir.resolve("out");
        Run r = nst(batch(out, "--content-layers", "conv9_9").toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of("failed", "failed", "failed", "failed"), statuses(out));
        assertTrue(manifest(out).get(0).get("reason").asText().contains("--content-layers"), manifest(out).get(0).toString());
    }

    @Test
    void aNamePatternNamesTheOutputs() throws Exception {
        Path out = dir.resolve("out");
        Run r = nst(batch(out, "--name-pattern", "{style}-{content}-x.png").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("manifest.jsonl", "s1-c1-x.png", "s1-c2-x.png", "s2-c1-x.png", "s2-c2-x.png"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void twoOutputsWithOneNameAreRefused() throws Exception {
        Path out = dir.resolve("out");
        Run r = nst(batch(out, "--name-pattern", "{content}.png").toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("would both be written to"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void foldersAndGlobsExpandToImages() throws Exception {
        image("g/a.png", 1);
        image("g/b.jpg.png", 2);
        Files.writeString(dir.resolve("g/c.txt"), "x");
        image("g/deep/d.png", 3);
        assertEquals(List.of(dir.resolve("g/a.png"), dir.resolve("g/b.jpg.png")),
                BatchInputs.expand(List.of(dir.resolve("g").toString()), "--content"));
        assertEquals(List.of(dir.resolve("g/a.png")), BatchInputs.expand(List.of(dir.resolve("g") + "/a*.png"), "--content"));
        assertEquals(List.of(dir.resolve("g/deep/d.png")), BatchInputs.expand(List.of(dir.resolve("g") + "/*/*.png"), "--content"));
        var e = assertThrows(nst.engine.NstException.class, () -> BatchInputs.expand(List.of(dir + "/none*.png"), "--style"));
        assertEquals("--style: no image matches " + dir + "/none*.png", e.getMessage());
    }
}
