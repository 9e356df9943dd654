package nst.convert;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * The crafted hostile weights files of issue 13 (tools/make_hostile_files.py, resources/hostile/), and a
 * run of {@code nst weights} on one of them in a child JVM with a small heap, as a user would meet it:
 * its exit code, its stderr without the JVM's own warnings, what it left in its working directory.
 */
final class HostileFiles {
    private HostileFiles() {}

    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_hostile_files.py'";
    /** The child's heap: every case must be answered within it (real VGG conversions need a few hundred MB). */
    static final String HEAP = "-Xmx160m";
    /** A hang guard, not a performance figure: each case is answered in about a second. */
    static final long TIME_LIMIT_SECONDS = 60;

    /** Copies hostile/NAME into dir, unpacking hostile/NAME.gz when the file is committed compressed. */
    static Path copy(String name, Path dir) throws IOException {
        Path out = dir.resolve(name);
        try (InputStream plain = HostileFiles.class.getResourceAsStream("/hostile/" + name)) {
            if (plain != null) {
                Files.copy(plain, out);
                return out;
            }
        }
        try (InputStream gz = HostileFiles.class.getResourceAsStream("/hostile/" + name + ".gz")) {
            if (gz == null) throw new IllegalStateException("missing hostile file " + name + "; " + REGENERATE);
            try (InputStream in = new GZIPInputStream(gz)) {
                Files.copy(in, out);
            }
        }
        return out;
    }

    record Run(int code, List<String> errLines, String out, long millis) {}

    /** Runs {@code nst weights ARGS} in a fresh JVM of {@link #HEAP}, working directory {@code dir}. */
    static Run cli(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-Xss8m", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "nst.convert.cli.WeightsCommand"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("nst-hostile-out", ".txt"), err = Files.createTempFile("nst-hostile-err", ".txt");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIME_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("nst weights " + String.join(" ", args) + " gave no answer within " + TIME_LIMIT_SECONDS + " s");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            List<String> lines = new ArrayList<>();
            for (String l : Files.readAllLines(err))
                if (!l.startsWith("WARNING: ") && !l.startsWith("SLF4J(")) lines.add(l); // the JVM's and jhdf's logger's notices
            return new Run(p.exitValue(), lines, Files.readString(out), ms);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
