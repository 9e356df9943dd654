package nst.app;

import nst.app.NstCli.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code nst bench --quick} end to end (the report's three files) and its refusals of bad options. */
class BenchCommandTest {
    @TempDir Path dir;

    @Test void quickRunWritesTheReportTheCsvAndTheChart() throws Exception {
        Path sbs = dir.resolve("sbs.md");
        Files.writeString(sbs, "| size | nst s/eval |\n|---:|---:|\n| 512×512 | 9.999 |\n");
        Path out = dir.resolve("report");
        Run r = NstCli.nst("bench", "--quick", "--threads", "1", "--out", out.toString(), "--side-by-side", sbs.toString());
        assertEquals(0, r.code(), r.err());

        List<String> csv = Files.readAllLines(out.resolve("bench.csv"));
        assertEquals(nst.app.bench.BenchReport.CSV_HEADER, csv.get(0));
        // 9 conv shapes × (forward, backward-data) + 5 ReLU widths × 2 + 4 pools × 2 + 5 style layers × (gram, backward).
        assertEquals(18 + 10 + 8 + 10, csv.size() - 1);
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.replaceAll("\"[^\"]*\"", "shape").split(",");
            double gflops = Double.parseDouble(f[8]), median = Double.parseDouble(f[5]);
            assertTrue(gflops > 0 && Double.isFinite(gflops), row);
            assertTrue(median > 0, row);
        }
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("conv forward,conv2dForward,\"3→64 @32×32\"")), "conv1_1 at 32 px");
        assertTrue(csv.stream().anyMatch(l -> l.startsWith("gram,gramBackward,\"512×4 (2×2)\"")), "relu5_1 at 32 px");

        BufferedImage png = ImageIO.read(out.resolve("roofline.png").toFile());
        assertNotNull(png, "roofline.png decodes");
        assertEquals(1100, png.getWidth());
        assertEquals(700, png.getHeight());

        String md = Files.readString(out.resolve("bench.md"));
        assertTrue(md.contains("not with JMH"), md);
        assertTrue(md.contains("![roofline](roofline.png)"), md);
        assertTrue(md.contains("--quick"), md);
        assertTrue(md.contains("| 512×512 | 9.999 |"), "the side-by-side table is copied in");
        try (var files = Files.list(out)) {
            assertEquals(3, files.count(), "no temporary file left behind");
        }
    }

    @Test void badOptionsFailInOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        String[][] cases = {
                {"bench", "--quick", "--size", "40", "--out", dir.resolve("a").toString()},
                {"bench", "--quick", "--size", "8", "--out", dir.resolve("a").toString()},
                {"bench", "--quick", "--threads", "0", "--out", dir.resolve("a").toString()},
                {"bench", "--quick", "--out", file.toString()},
                {"bench", "--quick", "--out", dir.resolve("a").toString(), "--side-by-side", dir.resolve("missing.md").toString()},
                {"bench", "--quick", "--backend", "nosuch", "--out", dir.resolve("a").toString()},
        };
        for (String[] c : cases) {
            Run r = NstCli.nst(c);
            assertEquals(1, r.code(), String.join(" ", c));
            assertTrue(r.err().startsWith("nst: error: "), r.err());
            assertEquals(1, r.err().strip().lines().filter(l -> !l.startsWith("bench: ")).count(), r.err());
        }
        assertFalse(Files.exists(dir.resolve("a").resolve("bench.md")));
    }
}
