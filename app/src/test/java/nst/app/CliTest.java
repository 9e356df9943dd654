package nst.app;

import nst.app.NstCli.Run;

import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The command line end to end on tiny images: outputs, loss log, and every kind of bad input. */
class CliTest {
    @TempDir Path dir;

    Run nst(String... args) { return NstCli.nst(args); }

    Path example(String name) throws Exception {
        Path p = dir.resolve(name);
        try (var in = getClass().getResourceAsStream("/nst/examples/" + name)) {
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    /** A narrow VGG19 so the CLI runs in well under a second per evaluation. */
    Path narrowWeights() throws Exception {
        Path p = dir.resolve("narrow.safetensors");
        VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(p);
        return p;
    }

    /** Every file under the test's directory (inputs included), to prove that a failed run wrote nothing. */
    Set<Path> files() throws Exception {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toSet());
        }
    }

    /** Runs a command that must fail on bad input, and checks that it wrote no file: no image, log or temporary. */
    Run failsWritingNothing(List<String> args) throws Exception {
        Set<Path> before = files();
        Run r = nst(args.toArray(String[]::new));
        assertNotEquals(0, r.code(), "bad input must fail: " + r.err());
        Set<Path> written = files();
        written.removeAll(before);
        assertEquals(Set.of(), written, "a run that failed on bad input wrote files");
        return r;
    }

    List<String> base(Path out) throws Exception {
        return new ArrayList<>(List.of("stylize", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", out.toString(), "--size", "48", "--iterations", "3", "--weights", narrowWeights().toString(), "--backend", "scalar"));
    }

    @Test void stylizeWritesImageLogAndIntermediates() throws Exception {
        Path out = dir.resolve("res/out.png"), log = dir.resolve("res/loss.csv");
        List<String> args = base(out);
        args.addAll(List.of("--loss-log", log.toString(), "--save-every", "1", "--style", example("the_scream.jpg").toString(), "--style-blend", "3,1"));
        Run r = nst(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        var im = Images.read(out);
        assertEquals(48, im.width());
        assertEquals(36, im.height());
        assertTrue(Images.readPngText(out).get("nst:options").contains("--size 48"));
        assertTrue(Files.exists(dir.resolve("res/out_0001.png")) && Files.exists(dir.resolve("res/out_0002.png")));
        List<String> lines = Files.readAllLines(log);
        assertEquals("iteration,evaluation,seconds,total,content,style,tv", lines.get(0));
        assertTrue(lines.size() >= 4, lines.toString());
        String[] first = lines.get(1).split(",");
        assertEquals("0", first[0]);
        assertEquals("0", first[1]);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            assertEquals(7, f.length);
            assertEquals(Double.parseDouble(f[3]), Double.parseDouble(f[4]) + Double.parseDouble(f[5]) + Double.parseDouble(f[6]),
                    1e-6 * Math.abs(Double.parseDouble(f[3])), "total = content + style + tv in " + lines.get(i));
            assertEquals(i - 1, Integer.parseInt(f[1]));
        }
        assertTrue(r.err().contains("iteration 3/3"), r.err());
        try (var s = Files.list(dir.resolve("res"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
    }

    @Test void missingContentFile() throws Exception {
        List<String> args = base(dir.resolve("o.png"));
        args.set(2, dir.resolve("absent.jpg").toString());
        Run r = failsWritingNothing(args);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("image file not found") && r.err().contains("absent.jpg"), r.err());
    }

    @Test void styleFileThatIsNotAnImage() throws Exception {
        Path txt = Files.writeString(dir.resolve("style.jpg"), "plain text");
        List<String> args = base(dir.resolve("o.png"));
        args.set(4, txt.toString());
        Run r = failsWritingNothing(args);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("style.jpg") && r.err().contains("not an image"), r.err());
    }

    @Test void unknownLayerListsValidOnes() throws Exception {
        List<String> args = base(dir.resolve("o.png"));
        args.addAll(List.of("--style-layers", "relu1_1,relu6_1"));
        Run r = failsWritingNothing(args);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--style-layers: unknown layer 'relu6_1'") && r.err().contains("valid layers: conv1_1,relu1_1"), r.err());
    }

    @Test void badOptionValues() throws Exception {
        for (String[] bad : new String[][] {{"--pooling", "median"}, {"--optimizer", "sgd"}, {"--init", "zeros"}, {"--size", "4"}, {"--backend", "quantum"}}) {
            List<String> args = base(dir.resolve("o.png"));
            int at = args.indexOf(bad[0]);
            if (at >= 0) args.set(at + 1, bad[1]);
            else args.addAll(List.of(bad));
            Run r = failsWritingNothing(args);
            assertEquals(1, r.code(), String.join(" ", bad) + ": " + r.err());
            assertTrue(r.err().contains("nst: error: ") && r.err().contains(bad[1]), r.err());
            assertTrue(r.err().contains(bad[0]), "the error names the option: " + r.err());
        }
        Run r = nst("stylize", "--content", "a.jpg");
        assertEquals(2, r.code(), "picocli usage errors exit 2");
        assertTrue(r.err().contains("--style") && r.err().contains("--out"), r.err());
    }

    @Test void outputDirectoryNotWritableFailsBeforeWork() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        List<String> args = base(file.resolve("out.png"));
        args.addAll(List.of("--loss-log", dir.resolve("loss.csv").toString()));
        Run r = failsWritingNothing(args);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not writable"), r.err());
        assertFalse(r.err().contains("iteration"), "the optimisation must not start: " + r.err());
        assertFalse(Files.exists(dir.resolve("loss.csv")));
    }

    @Test void badWeightsFile() throws Exception {
        Path bogus = Files.writeString(dir.resolve("w.safetensors"), "not weights");
        List<String> args = base(dir.resolve("o.png"));
        args.set(args.indexOf("--weights") + 1, bogus.toString());
        Path earlier = Files.writeString(dir.resolve("o.png"), "an earlier result");   // must survive the failed run
        Run r = failsWritingNothing(args);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("w.safetensors") && r.err().contains("not a safetensors file"), r.err());
        assertEquals("an earlier result", Files.readString(earlier), "a failed run overwrote the earlier output");
    }

    @Test void nonFiniteLossKeepsTheLastGoodImage() throws Exception {
        Path out = dir.resolve("nan.png");
        List<String> args = base(out);
        args.addAll(List.of("--style-weight", "1e308", "--content-weight", "1e308", "--tv-weight", "1e308", "--init", "noise"));
        Run r = nst(args.toArray(String[]::new));
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("loss became") && r.err().contains("last good image"), r.err());
        assertTrue(Files.exists(out));
    }

    /** An accelerator failure mid-run: one error line, exit 1, and the last good image is written. */
    @Test void deviceFailureKeepsTheLastGoodImage() throws Exception {
        Path out = dir.resolve("device.png");
        List<String> args = base(out);
        args.set(args.indexOf("--iterations") + 1, "10");
        args.set(args.indexOf("--backend") + 1, "faulty:device-at=80");   // 13 convolutions a pass: in evaluation 5
        Run r = nst(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("nst: error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains("the compute device failed at iteration") && errors.get(0).contains("CL_OUT_OF_RESOURCES"), r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
        int kept = Integer.parseInt(r.err().replaceAll("(?s).*last good image \\(iteration (\\d+)\\).*", "$1"));
        assertTrue(kept >= 1, r.err());
        assertEquals(48, Images.read(out).width());
        assertEquals("faulty (scalar with injected faults)", Images.readPngText(out).get("nst:backend"));
    }

    /** File system failures (checked or unchecked) are one line naming the file, exit 1, no stack trace. */
    @Test void ioFailuresAreOneLineNamingTheFile() throws Exception {
        Path absent = dir.resolve("absent/x.png"), target = dir.resolve("out.csv");
        Exception moved = assertThrows(java.io.IOException.class, () -> Files.move(absent, target));
        Exception opened = assertThrows(java.io.IOException.class, () -> Files.newInputStream(absent));
        Exception[] failures = {moved, opened, new java.nio.file.AccessDeniedException(dir.resolve("locked.png").toString()),
                new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException(absent.toString())),
                new java.nio.file.FileSystemException(target.toString(), null, "No space left on device"),
                new java.io.IOException("No space left on device")};
        for (Exception ex : failures) {
            java.io.StringWriter text = new java.io.StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(text, true));
            int code = new Main.Errors().handleExecutionException(ex, cl, null);
            String out = text.toString();
            System.out.print(ex.getClass().getSimpleName() + " -> " + out);
            assertEquals(1, code, out);
            assertTrue(out.startsWith("nst: error: ") && out.indexOf('\n') == out.length() - 1, "one line: " + out);
            assertFalse(out.contains("\tat ") || out.contains("Exception"), out);
            if (!ex.getClass().equals(java.io.IOException.class))
                assertTrue(out.contains(dir.toString()), "names the file: " + out);
        }
        String m = Main.Errors.describe((java.io.IOException) opened);
        assertEquals("cannot access " + absent + ": no such file or directory", m);
    }

    /** The loss log cannot be put in place (its directory vanished mid-run): the image is still written, one line names the log. */
    @Test void lossLogThatCannotBeWrittenIsOneLineAndTheImageIsKept() throws Exception {
        Path res = dir.resolve("vanishing"), out = res.resolve("out.png"), log = res.resolve("loss.csv");
        List<String> args = base(out);
        args.set(args.indexOf("--backend") + 1, "faulty:delay-ms=1500");     // a slow weights upload: time to delete
        args.addAll(List.of("--loss-log", log.toString()));
        Run[] r = {null};
        Thread t = Thread.ofPlatform().start(() -> r[0] = nst(args.toArray(String[]::new)));
        long until = System.nanoTime() + 30_000_000_000L;
        boolean deleted = false;
        while (!deleted && t.isAlive() && System.nanoTime() < until) {
            try (var files = Files.list(res)) {
                if (files.anyMatch(p -> p.getFileName().toString().startsWith(".loss.csv."))) {
                    try (var all = Files.walk(res)) {
                        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                    }
                    deleted = true;
                }
            } catch (java.nio.file.NoSuchFileException notYet) {
                // the run has not made the directory yet
            }
            Thread.sleep(5);
        }
        t.join();
        assertTrue(deleted, "the loss log's temporary file never appeared");
        assertEquals(1, r[0].code(), r[0].err());
        List<String> errors = r[0].err().lines().filter(l -> l.startsWith("nst: error: ")).toList();
        assertEquals(1, errors.size(), r[0].err());
        assertTrue(errors.get(0).contains("cannot write loss log " + log), r[0].err());
        assertFalse(r[0].err().contains("\tat "), r[0].err());
        assertEquals(48, Images.read(out).width(), "the image is written although the log is not");
    }

    /** --original-colors is --preserve-colors luminance: the same PNG byte for byte, and not the plain transfer's. */
    @Test void originalColorsIsTheLuminanceAlias() throws Exception {
        Path alias = dir.resolve("alias.png"), named = dir.resolve("named.png"), plain = dir.resolve("plain.png");
        List<String> a = base(alias), n = base(named), p = base(plain);
        a.add("--original-colors");
        n.addAll(List.of("--preserve-colors", "luminance"));
        for (List<String> args : List.of(a, n, p)) assertEquals(0, nst(args.toArray(String[]::new)).code());
        assertArrayEquals(Files.readAllBytes(named), Files.readAllBytes(alias));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(plain), Files.readAllBytes(alias)), "colour preservation changed nothing");
        assertTrue(Images.readPngText(alias).get("nst:options").contains("--preserve-colors luminance"));
    }

    /** Two styles, each with a mask (left half, right half): it runs, and the masks are recorded. */
    @Test void masksSmoke() throws Exception {
        Path out = dir.resolve("masked.png");
        Path left = dir.resolve("left.png"), right = dir.resolve("right.png");
        float[] l = new float[3 * 16 * 12], r = new float[l.length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 16; x++) (x < 8 ? l : r)[(c * 12 + y) * 16 + x] = 1f;
        Images.writePng(new nst.engine.image.Image(16, 12, l), left, null);
        Images.writePng(new nst.engine.image.Image(16, 12, r), right, null);
        List<String> args = base(out);
        args.addAll(List.of("--style", example("the_scream.jpg").toString(), "--mask", left.toString(), "--mask", right.toString()));
        Run run = nst(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertEquals(48, Images.read(out).width());
        String options = Images.readPngText(out).get("nst:options");
        assertTrue(options.contains("--mask " + left) && options.contains("--mask " + right), options);
    }

    /** Coarse-to-fine: one stage per scale, the last one the output's size. */
    @Test void scalesSmoke() throws Exception {
        Path out = dir.resolve("c2f.png");
        List<String> args = base(out);
        args.addAll(List.of("--scales", "32,48"));
        Run run = nst(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains(", 32x24, ") && run.err().contains(", 48x36, "), run.err());
        assertEquals(48, Images.read(out).width());
    }

    /** Tiles with luminance transfer and intermediates (this used to throw): full-size intermediates and output. */
    @Test void tileSmoke() throws Exception {
        Path out = dir.resolve("tiled.png");
        List<String> args = base(out);
        args.set(args.indexOf("--iterations") + 1, "2");
        args.addAll(List.of("--tile", "32", "--tile-iterations", "1", "--save-every", "1", "--preserve-colors", "luminance"));
        Run run = nst(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("32x32 tiles"), run.err());
        try (var files = Files.list(dir)) {
            List<Path> saved = files.filter(f -> f.getFileName().toString().matches("tiled_\\d{4}\\.png")).toList();
            assertEquals(1, saved.size(), "one intermediate, after the first of two rounds: " + saved);
            assertEquals(48, Images.read(saved.get(0)).width());
        }
        assertEquals(48, Images.read(out).width());
    }

    /** --init-image with 0 iterations writes that image, resized to the content. */
    @Test void initImageSmoke() throws Exception {
        Path out = dir.resolve("init.png"), init = example("the_scream.jpg");
        List<String> args = base(out);
        args.set(args.indexOf("--iterations") + 1, "0");
        args.addAll(List.of("--init-image", init.toString()));
        Run run = nst(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        nst.engine.image.Image got = Images.read(out), want = Images.resize(Images.read(init), 48, 36).clamped();
        assertEquals(48, got.width());
        double worst = 0;
        for (int i = 0; i < want.rgb().length; i++) worst = Math.max(worst, Math.abs(got.rgb()[i] - want.rgb()[i]));
        assertTrue(worst <= 0.5 / 255 + 1e-6, "the output is not the init image: max difference " + worst);
    }

    /** nst demo at a tiny size: the bundled images, the output written. */
    @Test void demoSmoke() throws Exception {
        Path out = dir.resolve("demo/demo.png");
        Run run = nst("demo", "--out", out.toString(), "--size", "32", "--iterations", "1", "--weights", narrowWeights().toString(),
                "--backend", "scalar");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("tubingen.jpg in the style of starry_night.jpg"), run.err());
        assertEquals(32, Images.read(out).width());
    }

    @Test void outputMustBePng() throws Exception {
        Run r = failsWritingNothing(base(dir.resolve("o.jpg")));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--out") && r.err().contains(".png"), r.err());
    }

    @Test void backendsListsScalar() {
        java.io.PrintStream oldOut = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        Run r;
        try {
            r = nst("backends");                        // the report goes to stdout
        } finally {
            System.setOut(oldOut);
        }
        String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, r.code());
        List<String> lines = out.lines().toList();
        for (String name : List.of("scalar", "simd"))
            assertTrue(lines.stream().anyMatch(l -> l.matches(name + " +priority +\\d+ .*")), "no '" + name + "' line in:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("auto -> (scalar|simd|opencl)")), "no 'auto -> <backend>' line in:\n" + out);
    }
}
