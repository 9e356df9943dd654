package nst.app.web;

import nst.app.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void refusesAnOutputThatIsNotHtml() throws Exception {
        Path content = dir.resolve("c.png");
        Files.write(content, StudioApiTest.png(40, 30));
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("explain", "--content", content.toString(), "--style", content.toString(), "--out", dir.resolve("r.png").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("--out"), err.toString());
    }
}
