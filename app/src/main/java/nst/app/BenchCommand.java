package nst.app;

import nst.app.bench.BenchReport;
import nst.app.bench.KernelSuite;
import nst.app.bench.MachinePeak;
import nst.app.bench.Roofline;
import nst.engine.io.AtomicFiles;
import nst.kernels.Backend;
import nst.kernels.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code nst bench}: measures the machine's roofs (FMA peak and triad bandwidth, one thread and all) and every
 * kernel of a VGG19 pass at one size, and writes {@code bench.md}, {@code bench.csv} and {@code roofline.png} into
 * {@code --out}. Timed directly (warm-up, repetitions, median), not with JMH: the JMH benches in bench/ remain the
 * reference for a single kernel. Leaves out running the side-by-side comparison itself ({@code bench/report.sh} does
 * both); {@code --side-by-side} puts a table it wrote into the report.
 */
@Command(name = "bench", description = "Measure the machine's peak and bandwidth and every kernel at VGG19 shapes; "
        + "write bench.md, bench.csv and roofline.png.")
final class BenchCommand implements Callable<Integer> {
    static final int MAX_SIZE = 4096;
    static final long SIDE_BY_SIDE_MAX_BYTES = 1 << 20;

    @Option(names = "--out", description = "Report directory (default: bench-report).")
    Path out = Path.of("bench-report");

    @Option(names = "--size", description = "Image side in px whose VGG19 shapes are timed, a multiple of 16 "
            + "(default: 512; 32 with --quick).")
    Integer size;

    @Option(names = "--backend", description = "Backend whose kernels are timed (default: simd).")
    String backend = "simd";

    @Option(names = "--threads", description = "Threads for the kernels and the all-threads roofs (default: all cores).")
    Integer threads;

    @Option(names = "--quick", description = "Tiny shapes, a few repetitions: a smoke test in seconds, not a measurement.")
    boolean quick;

    @Option(names = "--side-by-side", paramLabel = "FILE", description = "A Markdown table written by "
            + "bench/side-by-side.sh --out FILE, copied into the report.")
    Path sideBySide;

    @Override
    public Integer call() throws IOException {
        int px = size != null ? size : quick ? 32 : 512;
        if (px < KernelSuite.MIN_SIZE || px > MAX_SIZE || px % 16 != 0) {
            throw new IllegalArgumentException("--size must be a multiple of 16 from " + KernelSuite.MIN_SIZE + " to " + MAX_SIZE + ", got " + px);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int t = threads != null ? threads : cores;
        if (t < 1 || t > 1024) throw new IllegalArgumentException("--threads must be from 1 to 1024, got " + t);
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " exists and is not a directory");
        String table = null;
        if (sideBySide != null) {
            if (!Files.isRegularFile(sideBySide)) throw new IllegalArgumentException("--side-by-side " + sideBySide + ": no such file");
            if (Files.size(sideBySide) > SIDE_BY_SIDE_MAX_BYTES) {
                throw new IllegalArgumentException("--side-by-side " + sideBySide + " is larger than 1 MiB; not a side-by-side table");
            }
            table = Files.readString(sideBySide, StandardCharsets.UTF_8);
        }
        long need = 4 * KernelSuite.peakFloats(px) + (quick ? 3L << 20 : 3L << 26);
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap * 0.9) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--size %d needs about %d MiB of heap, Java has %d MiB; "
                    + "use a smaller --size or NST_JAVA_OPTS=-Xmx…", px, need >> 20, heap >> 20));
        }

        List<KernelSuite.Timing> ts;
        String description;
        MachinePeak.Result m;
        try (Backend b = Backends.create(backend, t, line -> System.err.println("bench: " + line))) {
            description = b.description();
            System.err.println("bench: machine roofs (FMA peak, triad bandwidth; 1 and " + t + " threads)…");
            m = MachinePeak.measure(t, quick);
            System.err.printf(Locale.ROOT, "bench: peak %.1f / %.1f GFLOP/s, triad %.1f / %.1f GB/s (1 / %d threads)%n",
                    m.gflopsOne(), m.gflopsAll(), m.gbsOne(), m.gbsAll(), t);
            ts = KernelSuite.run(b, px, quick, what -> System.err.println("bench: " + what));
        }
        BenchReport.Setup setup = new BenchReport.Setup(BenchReport.machine(), "Java " + Runtime.version(), description, px, quick,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        write(out.resolve("roofline.png"), Roofline.png(m, ts, "nst kernels at VGG19 shapes, " + px + " px: " + description, 1100, 700));
        write(out.resolve("bench.csv"), BenchReport.csv(m, ts).getBytes(StandardCharsets.UTF_8));
        write(out.resolve("bench.md"), BenchReport.markdown(setup, m, ts, table, sideBySide).getBytes(StandardCharsets.UTF_8));
        System.out.println("bench: wrote " + out.resolve("bench.md") + ", " + out.resolve("bench.csv") + ", " + out.resolve("roofline.png"));
        return 0;
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        AtomicFiles.write(target, ch -> {
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            while (bb.hasRemaining()) ch.write(bb);
        });
    }
}
