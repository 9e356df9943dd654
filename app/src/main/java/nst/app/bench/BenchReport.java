package nst.app.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The report's text files: {@code bench.md} (machine, roofs, the kernel table, the chart, the side-by-side table
 * when given) and {@code bench.csv} (one row per kernel). Leaves out writing files: {@code BenchCommand} writes
 * them atomically.
 */
public final class BenchReport {
    private BenchReport() {}

    /** What the report says about the run. */
    public record Setup(String machine, String java, String backend, int size, boolean quick, String when) {}

    public static final String CSV_HEADER =
            "group,kernel,shape,flop,bytes,median_s,min_s,reps,gflops,flop_per_byte,roof_gflops,fraction_of_roof";

    /** One row per kernel; the roof is the all-threads one. */
    public static String csv(MachinePeak.Result m, List<KernelSuite.Timing> ts) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (KernelSuite.Timing t : ts) {
            double roof = Roofline.attainable(m.gflopsAll(), m.gbsAll(), t.intensity());
            sb.append(String.format(Locale.ROOT, "%s,%s,\"%s\",%.0f,%.0f,%.6g,%.6g,%d,%.4g,%.4g,%.4g,%.3f%n", t.group(), t.name(),
                    t.shape(), t.flop(), t.bytes(), t.medianS(), t.minS(), t.reps(), t.gflops(), t.intensity(), roof, t.gflops() / roof));
        }
        return sb.toString();
    }

    /** The Markdown report; {@code sideBySide} is the side-by-side table's Markdown, or null. */
    public static String markdown(Setup s, MachinePeak.Result m, List<KernelSuite.Timing> ts, String sideBySide, Path sideBySideFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("# nst bench: kernels against the machine's roofline\n\n");
        sb.append("Machine: ").append(s.machine()).append("; ").append(s.java()).append("; Vector API preferred species ")
                .append(m.vectorBits()).append("-bit.\n");
        sb.append("Backend: ").append(s.backend()).append("; VGG19 shapes at ").append(s.size()).append("×").append(s.size())
                .append(" px; ").append(s.when()).append(".\n\n");
        if (s.quick()) sb.append("**--quick: tiny shapes and a few repetitions, a smoke test; these figures mean nothing.**\n\n");
        sb.append("Timed directly, not with JMH: each kernel is called until a warm-up time has passed, then timed call by call; ")
                .append("the table gives the median. The machine may be shared with other work, so the figures are noisy. ")
                .append("GFLOP/s credit a convolution with the direct algorithm's 2·MACs (Winograd does fewer multiplies and ")
                .append("can pass the FMA peak), Gram and its backward with 2·c²·hw; intensity counts each operand read once and ")
                .append("each result written once.\n\n");
        sb.append("## Machine roofs\n\n");
        sb.append("| | 1 thread | ").append(m.threads()).append(" threads |\n|---|---:|---:|\n");
        sb.append(String.format(Locale.ROOT, "| FMA peak, %d-bit vectors (GFLOP/s) | %.1f | %.1f |%n", m.vectorBits(), m.gflopsOne(), m.gflopsAll()));
        sb.append(String.format(Locale.ROOT, "| triad bandwidth, 3 × %d MiB arrays (GB/s) | %.1f | %.1f |%n",
                m.triadBytesPerArray() >> 20, m.gbsOne(), m.gbsAll()));
        sb.append(String.format(Locale.ROOT, "| ridge point (FLOP/byte) | %.1f | %.1f |%n%n",
                Roofline.ridge(m.gflopsOne(), m.gbsOne()), Roofline.ridge(m.gflopsAll(), m.gbsAll())));
        sb.append("## Kernels\n\n![roofline](roofline.png)\n\n");
        sb.append("| kernel | shape | median ms | GFLOP/s | FLOP/byte | roof GFLOP/s | of roof |\n|---|---|---:|---:|---:|---:|---:|\n");
        double total = 0;
        for (KernelSuite.Timing t : ts) {
            double roof = Roofline.attainable(m.gflopsAll(), m.gbsAll(), t.intensity());
            total += t.medianS();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.1f | %.2f | %.1f | %.0f %% |%n", t.name(), t.shape(),
                    t.medianS() * 1e3, t.gflops(), t.intensity(), roof, 100 * t.gflops() / roof));
        }
        sb.append(String.format(Locale.ROOT, "%nSum of the medians (each distinct shape once, not a whole pass): %.1f ms.%n%n", total * 1e3));
        sb.append("## Side by side\n\n");
        if (sideBySide != null) {
            sb.append("From ").append(sideBySideFile).append(" (`bench/side-by-side.sh`):\n\n").append(sideBySide.strip()).append("\n");
        } else {
            sb.append("Not given: run `bench/side-by-side.sh --out FILE.md` and pass `--side-by-side FILE.md`, or run ")
                    .append("`bench/report.sh`, which does both.\n");
        }
        return sb.toString();
    }

    /** One line naming the CPU: model, logical CPUs, the widest SIMD extension the kernel reports, OS. */
    public static String machine() {
        String cpu = "unknown CPU", isa = "?";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
            for (String l : lines) if (l.startsWith("model name")) { cpu = l.substring(l.indexOf(':') + 1).strip(); break; }
            for (String l : lines) {
                if (l.startsWith("flags")) {
                    String f = l + " ";
                    isa = f.contains(" avx512f ") ? "AVX-512" : f.contains(" avx2 ") && f.contains(" fma ") ? "AVX2+FMA" : "no AVX2";
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the OS name below still says where it ran
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " logical CPUs, " + isa + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }
}
