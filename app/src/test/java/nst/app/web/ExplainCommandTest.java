package nst.app.web;

import nst.app.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code nst explain} end to end on a tiny transfer: a self-contained report, written atomically; bad --out is refused early. */
class ExplainCommandTest {
    @TempDir Path dir;

    @Test
    void writesASelfContainedReport() throws Exception {
        Path content = dir.resolve("c.png"), style = dir.resolve("s.png"), out = dir.resolve("report.html");
        Files.write(content, StudioApiTest.png(40, 30));
        Files.write(style, StudioApiTest.png(24, 24));
        int code = Main.commandLine().execute("explain", "--content", content.toString(), "--style", style.toString(), "--out", out.toString(),
                "--size", "32", "--iterations", "4", "--save-every", "2", "--weights", "random", "--backend", "scalar", "--quiet",
                "--content-layers", "relu2_2", "--style-layers", "relu1_1,relu2_1");
        assertEquals(0, code);
        String html = Files.readString(out);
        assertTrue(html.startsWith("<!doctype html>"));
        assertTrue(html.contains("<svg"), "loss curves as inline SVG");
        assertTrue(html.contains("Gram target A") && html.contains("|∂L/∂x|"), "heatmaps and gradient");
        assertTrue(html.contains("Saved iterations: [1, 2, 4]"), "saved iterations listed");
        assertFalse(Pattern.compile("src=\"(?!data:)").matcher(html).find(), "every picture is inlined");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "no temporary file left");
        }
    }

    @Test
    void coarseToFineWithPreservedColoursIsReportedPerScale() throws Exception {
        Path content = dir.resolve("c.png"), style = dir.resolve("s.png"), out = dir.resolve("report.html");
        Files.write(content, StudioApiTest.png(40, 30));
        Files.write(style, StudioApiTest.png(24, 24));
        int code = Main.commandLine().execute("explain", "--content", content.toString(), "--style", style.toString(), "--out", out.toString(),
                "--scales", "24,32", "--preserve-colors", "luminance", "--iterations", "4", "--save-every", "2", "--weights", "random",
                "--backend", "scalar", "--quiet", "--content-layers", "relu2_2", "--style-layers", "relu1_1,relu2_1");
        assertEquals(0, code);
        String html = Files.readString(out);
        assertTrue(html.contains("Saved iterations: [1, 2, 4, 5, 6, 8]"), "numbered across the two scales");
        assertTrue(html.contains("iteration 5 (scale 2/2, 32×24, its iteration 1)"), "a snapshot says its scale");
        assertTrue(html.contains("iteration 4 (scale 1/2, 24×18, its iteration 4)"));
        assertTrue(html.contains("relu2_2 <small>(content layer, 128 channels, 12×9)"), "scale 1's layer shapes");
        assertTrue(html.contains("relu2_2 <small>(content layer, 128 channels, 16×12)"), "scale 2's layer shapes");
        assertTrue(html.contains("--preserve-colors luminance") && html.contains("--scales 24,32"), "the controls are listed");
        assertTrue(html.contains("<th>scale</th>"), "the iteration table has the scale");
    }

    @Test
    void refusesTiledRefinementNamingTheOption() throws Exception {
        StringWriter err = new StringWriter();
        int code = explainOnePicture(err, dir.resolve("r.html"), "--size", "64", "--tile", "32", "--weights", "random", "--backend", "scalar", "--quiet");
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("nst: error: --tile:"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
        assertOnlyThePictureIsThere();
    }

    @Test
    void refusesAnOutputThatIsNotHtml() throws Exception {
        StringWriter err = new StringWriter();
        int code = explainOnePicture(err, dir.resolve("r.png"));
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("nst: error: --out: ") && err.toString().contains("r.png") && err.toString().contains("must end in .html"), err.toString());
        assertOnlyThePictureIsThere();
    }

    /** A picture that is not an image: one line naming it, and no report, partial or temporary, is written. */
    @Test
    void refusesAContentThatIsNotAnImageWritingNothing() throws Exception {
        Path text = Files.writeString(dir.resolve("c.png"), "plain text"), out = dir.resolve("r.html");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("explain", "--content", text.toString(), "--style", text.toString(), "--out", out.toString(),
                "--size", "32", "--iterations", "2", "--weights", "random", "--backend", "scalar", "--quiet");
        assertEquals(1, code);
        assertTrue(err.toString().contains("c.png") && err.toString().contains("not an image"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
        assertOnlyThePictureIsThere();
    }

    /** Nothing but the input picture c.png in the test's directory: a refused run wrote no report and no temporary file. */
    private void assertOnlyThePictureIsThere() throws Exception {
        try (var files = Files.list(dir)) {
            assertEquals(List.of("c.png"), files.map(p -> p.getFileName().toString()).toList(), "a refused explain wrote files");
        }
    }

    /** Runs nst explain with one 40 × 30 picture as content and style, writing to out; stderr goes to err. */
    private int explainOnePicture(StringWriter err, Path out, String... options) throws Exception {
        Path picture = dir.resolve("c.png");
        Files.write(picture, StudioApiTest.png(40, 30));
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("explain", "--content", picture.toString(), "--style", picture.toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        return cl.execute(args.toArray(String[]::new));
    }
}
