package nst.app;

import nst.app.NstCli.Run;

import nst.engine.image.Images;
import nst.engine.TransferOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reproducibility from the command line: the PNG metadata records every option, {@code --like} reruns
 * them bit for bit, and options given explicitly override the recorded ones. Tiny images, shallow layers.
 */
class LikeTest {

    static Path example(String name) {
        Path p = Path.of("..", "examples", name);
        return Files.isRegularFile(p) ? p : Path.of("examples", name);
    }

    static int nst(String... args) {
        return Main.commandLine().execute(args);
    }

    static final String[] SMALL = {"--size", "32", "--iterations", "2", "--weights", "random", "--content-layers", "relu2_1",
            "--style-layers", "relu1_1,relu2_1", "--backend", "scalar", "--threads", "1", "--quiet"};

    static String[] with(String... more) {
        List<String> a = new ArrayList<>(List.of(more));
        a.addAll(List.of(SMALL));
        return a.toArray(String[]::new);
    }

    @Test void likeRerunsBitForBitAndExplicitOptionsWin(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.png"), again = dir.resolve("again.png"), other = dir.resolve("other.png");
        assertEquals(0, nst(with("stylize", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", first.toString(), "--preserve-colors", "histogram", "--init", "noise", "--seed", "7", "--style-scale", "0.75",
                "--normalize-gradients")));
        Map<String, String> meta = Images.readPngText(first);
        System.out.println("nst:options = " + meta.get("nst:options"));
        assertEquals("7", meta.get("nst:seed"));
        assertTrue(meta.get("nst:options").contains("--preserve-colors histogram"));
        assertTrue(meta.get("nst:options").contains("--normalize-gradients"));

        // machine settings are this machine's: --like does not take them, so the rerun names them (the notice says so)
        assertEquals(0, nst("stylize", "--like", first.toString(), "--out", again.toString(), "--quiet", "--backend", "scalar", "--threads", "1"));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "--like reproduces the image and its metadata");

        assertEquals(0, nst("stylize", "--like", first.toString(), "--out", other.toString(), "--seed", "8", "--no-normalize-gradients", "--quiet",
                "--backend", "scalar", "--threads", "1"));
        Map<String, String> m2 = Images.readPngText(other);
        assertEquals("8", m2.get("nst:seed"));
        String o2 = m2.get("nst:options");
        assertTrue(o2.contains("--seed 8") && o2.contains("--no-normalize-gradients") && o2.contains("--preserve-colors histogram")
                && o2.contains("--style-scale 0.75"), o2);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(other)));
    }

    @Test void likeWithoutMetadataIsAnError(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("plain.png");
        Images.writePng(Images.read(example("tubingen.jpg")), plain, null);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.getSubcommands().get("stylize").setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute("stylize", "--like", plain.toString(), "--out", dir.resolve("x.png").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("no nst:options"), err.toString());
    }

    /** Every option that changes the image is recorded, and the recorded arguments read back to themselves. */
    @Test void metadataRecordsEveryOptionAndReadsBack(@TempDir Path dir) throws Exception {
        String m1 = blankPng(dir, "m1.png"), m2 = blankPng(dir, "m2.png"), init = blankPng(dir, "i.png");
        String[] args = {"--content", "/tmp/c d.png", "--style", "/tmp/s1.png", "--style", "/tmp/s'2.png", "--out", "/tmp/o.png",
                "--size", "96", "--model", "vgg16", "--pooling", "avg", "--weights", "random", "--iterations", "7", "--optimizer", "adam",
                "--learning-rate", "0.05", "--history", "9", "--content-weight", "2.5", "--style-weight", "123.25", "--tv-weight", "0",
                "--content-layers", "relu3_1:0.5", "--style-layers", "relu1_1,relu2_1:2", "--init", "style", "--seed", "-3",
                "--backend", "scalar", "--threads", "2", "--preserve-colors", "luminance", "--style-scale", "0.5",
                "--scales", "48,96", "--tile", "64", "--tile-iterations", "3", "--normalize-gradients", "--memory-budget", "64m",
                "--init-image", init};
        List<String> recorded = recordedArguments(args);
        List<String> again = recordedArguments(recorded.toArray(String[]::new));
        assertEquals(recorded, again, "recorded arguments are a fixed point");
        System.out.println("recorded: " + ShellWords.join(recorded));
        assertEquals(recorded, ShellWords.split(ShellWords.join(recorded)));
        assertTrue(ShellWords.join(recorded).contains("--memory-budget 67108864"), ShellWords.join(recorded));
        // --style-blend does not combine with masks: a second run records it
        List<String> blended = recordedArguments(new String[] {"--content", "/tmp/c.png", "--style", "/tmp/s1.png", "--style", "/tmp/s2.png",
                "--style-blend", "1,3.5"});
        assertTrue(ShellWords.join(blended).contains("--style-blend 1.0,3.5"), ShellWords.join(blended));
        assertEquals(blended, recordedArguments(blended.toArray(String[]::new)));
        // masks do not combine with tiles: a third run records them
        List<String> masked = recordedArguments(new String[] {"--content", "/tmp/c.png", "--style", "/tmp/s1.png", "--style", "/tmp/s2.png",
                "--mask", m1, "--mask", m2});
        assertTrue(ShellWords.join(masked).contains("--mask " + m1 + " --mask " + m2), ShellWords.join(masked));
        assertEquals(masked, recordedArguments(masked.toArray(String[]::new)));
        // AdaIN records its own options only (alpha, not the optimiser's); --init adain records --adain-weights
        List<String> adain = recordedArguments(new String[] {"--content", "/tmp/c.png", "--style", "/tmp/s1.png", "--method", "adain",
                "--alpha", "0.25", "--weights", "random"});
        assertTrue(ShellWords.join(adain).contains("--method adain --alpha 0.25"), ShellWords.join(adain));
        assertTrue(!adain.contains("--iterations") && !adain.contains("--model"), ShellWords.join(adain));
        assertEquals(adain, recordedArguments(adain.toArray(String[]::new)));
        List<String> initAdain = recordedArguments(new String[] {"--content", "/tmp/c.png", "--style", "/tmp/s1.png", "--init", "adain",
                "--adain-weights", "random"});
        assertTrue(ShellWords.join(initAdain).contains("--adain-weights random") && !initAdain.contains("--alpha"), ShellWords.join(initAdain));
        assertEquals(initAdain, recordedArguments(initAdain.toArray(String[]::new)));
        recorded = new ArrayList<>(recorded);
        recorded.addAll(blended);
        recorded.addAll(masked);
        recorded.addAll(adain);
        recorded.addAll(initAdain);
        // completeness: every stylize option is recorded except those about output and the alias
        Set<String> notRecorded = Set.of("--out", "--like", "--save-every", "--loss-log", "--quiet", "--original-colors", "--help", "--version");
        CommandLine cl = new CommandLine(new StylizeCommand());
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (notRecorded.contains(o.longestName())) continue;
            boolean found = recorded.contains(o.longestName()) || (o.negatable() && recorded.contains("--no-" + o.longestName().substring(2)));
            assertTrue(found, o.longestName() + " is not recorded in nst:options");
        }
    }

    static String blankPng(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        Images.writePng(nst.engine.image.Image.blank(4, 4), p, null);
        return p.toString();
    }

    /** Parses stylize arguments and returns what the metadata would record (content and style images are not read). */
    static List<String> recordedArguments(String[] args) {
        StylizeCommand c = new StylizeCommand();
        List<String> withOut = new ArrayList<>(List.of(args));
        if (!withOut.contains("--out")) withOut.addAll(List.of("--out", "/tmp/o.png"));
        CommandLine cl = new CommandLine(c);
        c.options.read(cl.parseArgs(withOut.toArray(String[]::new)));
        var img = nst.engine.image.Image.blank(4, 4);
        List<Path> stylePaths = c.options.paths(TransferOption.STYLE);
        List<nst.engine.image.Image> styles = java.util.Collections.nCopies(stylePaths.size(), img);
        List<String> inputs = new ArrayList<>(List.of("--content", c.options.paths(TransferOption.CONTENT).get(0).toString()));
        for (Path p : stylePaths) inputs.addAll(List.of("--style", p.toString()));
        return TransferRunner.arguments(c.options.toOptions(img, styles), c.options, inputs);
    }

    // ---------------------------------------------------------------- --like and an untrusted PNG (issue 13)

    /** A PNG whose nst:options are {@code recorded}, as a hostile file could have them. */
    static Path crafted(Path dir, String recorded) throws Exception {
        Path p = dir.resolve("crafted.png");
        Images.writePng(nst.engine.image.Image.blank(8, 8), p, Map.of("nst:options", recorded));
        return p;
    }

    static final String SMALL_RECORDED = "--size 32 --iterations 2 --weights random --content-layers relu2_1 --style-layers relu1_1,relu2_1";

    @Test void likeNeverWritesARecordedLossLog(@TempDir Path dir) throws Exception {
        Path sentinel = Files.writeString(dir.resolve("precious.txt"), "do not overwrite");
        Path png = crafted(dir, "--content " + example("tubingen.jpg").toAbsolutePath() + " --style " + example("starry_night.jpg").toAbsolutePath()
                + " " + SMALL_RECORDED + " --loss-log " + sentinel + " --save-every 1");
        Run r = NstCli.nst("stylize", "--like", png.toString(), "--out", dir.resolve("out.png").toString(), "--quiet", "--backend", "scalar");
        assertEquals(0, r.code(), r.err());
        assertEquals("do not overwrite", Files.readString(sentinel), "the recorded --loss-log was written");
        assertTrue(Files.isRegularFile(dir.resolve("out.png")));
        try (var files = Files.list(dir)) {
            assertEquals(Set.of("precious.txt", "crafted.png", "out.png"), Set.copyOf(files.map(p -> p.getFileName().toString()).toList()),
                    "no intermediates from the recorded --save-every");
        }
        List<String> notices = r.err().lines().filter(l -> l.contains("--like")).toList();
        assertEquals(1, notices.size(), r.err());
        assertTrue(notices.get(0).contains("--loss-log " + sentinel + " (an output path)") && notices.get(0).contains("--save-every 1 (an output path)"),
                notices.get(0));
    }

    /** picocli reads "@FILE" arguments as more arguments: a recorded value must stay a value. */
    @Test void likeDoesNotExpandRecordedArgumentFiles(@TempDir Path dir) throws Exception {
        Path sentinel = Files.writeString(dir.resolve("precious.txt"), "do not overwrite");
        Path args = Files.writeString(dir.resolve("args.txt"), "1 --loss-log " + sentinel);
        Path png = crafted(dir, "--content " + example("tubingen.jpg").toAbsolutePath() + " --style " + example("starry_night.jpg").toAbsolutePath()
                + " " + SMALL_RECORDED + " --seed @" + args);
        Run r = NstCli.nst("stylize", "--like", png.toString(), "--out", dir.resolve("out.png").toString(), "--quiet", "--backend", "scalar");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("nst: error: --seed must be a whole number, got '@" + args + "'"), r.err());
        assertEquals("do not overwrite", Files.readString(sentinel));
        assertFalse(Files.exists(dir.resolve("out.png")));
    }

    @Test void likeDoesNotReadARecordedDevice(@TempDir Path dir) throws Exception {
        Path png = crafted(dir, "--content /dev/zero --style " + example("starry_night.jpg").toAbsolutePath() + " " + SMALL_RECORDED);
        Path out = dir.resolve("out.png");
        Run r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
                () -> NstCli.nst("stylize", "--like", png.toString(), "--out", out.toString(), "--quiet", "--backend", "scalar"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--content /dev/zero (not a regular file)"), r.err());
        assertTrue(r.err().contains("nst: error: --content: a content image is required (or --like IMAGE.png)"), r.err());
        assertFalse(Files.exists(out));
        // the content given on the command line instead
        Run ok = NstCli.nst("stylize", "--like", png.toString(), "--content", example("tubingen.jpg").toString(), "--out", out.toString(),
                "--quiet", "--backend", "scalar");
        assertEquals(0, ok.code(), ok.err());
        assertFalse(ok.err().contains("/dev/zero"), "an option given here replaces the recorded one silently: " + ok.err());
    }

    @Test void likeIgnoresRecordedMachineSettings(@TempDir Path dir) throws Exception {
        Path png = crafted(dir, "--content " + example("tubingen.jpg").toAbsolutePath() + " --style " + example("starry_night.jpg").toAbsolutePath()
                + " " + SMALL_RECORDED + " --threads 1 --backend opencl:7 --memory-budget 1k --quiet");
        Path out = dir.resolve("out.png");
        Run r = NstCli.nst("stylize", "--like", png.toString(), "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        String notice = r.err().lines().filter(l -> l.contains("--like")).findFirst().orElseThrow();
        // --threads is given here: its recorded value goes without a notice
        assertEquals("nst: --like: ignored from crafted.png: --backend opencl:7 (a machine setting),"
                + " --memory-budget 1k (a machine setting), --quiet (not about the picture); give such options on the command line", notice);
        String recorded = Images.readPngText(out).get("nst:options");
        assertTrue(recorded.contains("--threads 2") && recorded.contains("--backend auto") && !recorded.contains("--memory-budget"), recorded);
        assertTrue(recorded.contains("--content-layers relu2_1 ") && recorded.contains("--size 32 "), "the picture's options are taken: " + recorded);
    }

    @Test void likeRefusesUnknownAndBrokenRecords(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.png");
        Run unknown = NstCli.nst("stylize", "--like", crafted(dir, "--size 32 --rm-rf /").toString(), "--out", out.toString());
        assertEquals(1, unknown.code());
        assertEquals(1, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("nst: error: --like: the recorded options name an unknown option --rm-rf (written by another nst version?)"), unknown.err());
        assertEquals("ESC?[2J then a tab?", LikeOptions.printable("ESC\u001b[2J then a tab\t"), "nothing from a file moves the terminal");
        assertEquals("x".repeat(80) + "…", LikeOptions.printable("x".repeat(500)));
        Run noValue = NstCli.nst("stylize", "--like", crafted(dir, "--size").toString(), "--out", out.toString());
        assertTrue(noValue.err().contains("nst: error: --like: the recorded option --size has no value"), noValue.err());
        Run quote = NstCli.nst("stylize", "--like", crafted(dir, "--size '32").toString(), "--out", out.toString());
        assertTrue(quote.err().contains("nst: error: the recorded options end inside a quote (no closing ')"), quote.err());
        Run flagValue = NstCli.nst("stylize", "--like", crafted(dir, "--weights --size").toString(), "--out", out.toString());
        assertEquals(1, flagValue.code(), flagValue.err());
        assertFalse(flagValue.err().contains("\tat "), "no stack trace: " + flagValue.err());
        assertFalse(Files.exists(out));
    }

    @Test void shellWordsRoundTrip() {
        List<String> w = List.of("--content", "/a b/c'd.png", "", "x=1,2", "é");
        assertEquals(w, ShellWords.split(ShellWords.join(w)));
    }

}
