package nst.app;

import nst.engine.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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

        assertEquals(0, nst("stylize", "--like", first.toString(), "--out", again.toString(), "--quiet"));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "--like reproduces the image and its metadata");

        assertEquals(0, nst("stylize", "--like", first.toString(), "--out", other.toString(), "--seed", "8", "--no-normalize-gradients", "--quiet"));
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
    @Test void metadataRecordsEveryOptionAndReadsBack() throws Exception {
        String[] args = {"--content", "/tmp/c d.png", "--style", "/tmp/s1.png", "--style", "/tmp/s'2.png", "--out", "/tmp/o.png",
                "--size", "96", "--model", "vgg16", "--pooling", "avg", "--weights", "random", "--iterations", "7", "--optimizer", "adam",
                "--learning-rate", "0.05", "--history", "9", "--content-weight", "2.5", "--style-weight", "123.25", "--tv-weight", "0",
                "--content-layers", "relu3_1:0.5", "--style-layers", "relu1_1,relu2_1:2", "--init", "style", "--seed", "-3",
                "--backend", "scalar", "--threads", "2", "--preserve-colors", "luminance", "--style-scale", "0.5",
                "--scales", "48,96", "--tile", "64", "--tile-iterations", "3", "--normalize-gradients", "--memory-budget", "64m",
                "--mask", "/tmp/m1.png", "--mask", "/tmp/m2.png", "--init-image", "/tmp/i.png"};
        List<String> recorded = recordedArguments(args);
        List<String> again = recordedArguments(recorded.toArray(String[]::new));
        assertEquals(recorded, again, "recorded arguments are a fixed point");
        System.out.println("recorded: " + ShellWords.join(recorded));
        assertEquals(recorded, ShellWords.split(ShellWords.join(recorded)));
        // --style-blend does not combine with masks: a second run records it
        List<String> blended = recordedArguments(new String[] {"--content", "/tmp/c.png", "--style", "/tmp/s1.png", "--style", "/tmp/s2.png",
                "--style-blend", "1,3.5"});
        assertTrue(ShellWords.join(blended).contains("--style-blend 1.0,3.5"), ShellWords.join(blended));
        assertEquals(blended, recordedArguments(blended.toArray(String[]::new)));
        recorded = new ArrayList<>(recorded);
        recorded.addAll(blended);
        // completeness: every stylize option is recorded except those about output and the alias
        Set<String> notRecorded = Set.of("--out", "--like", "--save-every", "--loss-log", "--quiet", "--original-colors", "--help", "--version");
        CommandLine cl = new CommandLine(new StylizeCommand());
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (notRecorded.contains(o.longestName())) continue;
            boolean found = recorded.contains(o.longestName()) || (o.negatable() && recorded.contains("--no-" + o.longestName().substring(2)));
            assertTrue(found, o.longestName() + " is not recorded in nst:options");
        }
    }

    /** Parses stylize arguments and returns what the metadata would record (images are not read). */
    static List<String> recordedArguments(String[] args) {
        StylizeCommand c = new StylizeCommand();
        List<String> withOut = new ArrayList<>(List.of(args));
        if (!withOut.contains("--out")) withOut.addAll(List.of("--out", "/tmp/o.png"));
        new CommandLine(c).parseArgs(withOut.toArray(String[]::new));
        var img = nst.engine.Image.blank(4, 4);
        List<nst.engine.Image> styles = new ArrayList<>();
        for (int i = 0; i < c.styles.size(); i++) styles.add(img);
        // the masks and init image are read from files by toOptions; give blank images instead
        List<Path> masks = c.options.masks;
        Path init = c.options.initImage;
        c.options.masks = List.of();
        c.options.initImage = null;
        var b = c.options.toOptions(img, styles).toBuilder();
        c.options.masks = masks;
        c.options.initImage = init;
        if (!masks.isEmpty()) b.masks(java.util.Collections.nCopies(masks.size(), img));
        List<String> inputs = new ArrayList<>(List.of("--content", c.content.toString()));
        for (Path p : c.styles) inputs.addAll(List.of("--style", p.toString()));
        return TransferRunner.arguments(b.build(), c.options, inputs);
    }

    @Test void shellWordsRoundTrip() {
        List<String> w = List.of("--content", "/a b/c'd.png", "", "x=1,2", "é");
        assertEquals(w, ShellWords.split(ShellWords.join(w)));
    }

    @Test void memoryBudgetParses() {
        assertEquals(64L << 20, TransferOptions.parseBytes("64m"));
        assertEquals(3L << 30, TransferOptions.parseBytes("3G"));
        assertEquals(1000, TransferOptions.parseBytes("1000"));
        var e = assertThrows(nst.engine.NstException.class, () -> TransferOptions.parseBytes("lots"));
        assertTrue(e.getMessage().contains("'lots' is not a size") && e.getMessage().contains("800m"), e.getMessage());
    }
}
