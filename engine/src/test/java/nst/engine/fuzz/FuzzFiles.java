package nst.engine.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * For fuzz targets whose parser reads a file: one temporary file per suffix, overwritten with each input
 * (a fuzzer runs millions of inputs; none of them may pile up on disk) and deleted when the JVM ends.
 */
public final class FuzzFiles {
    private FuzzFiles() {}

    private static final Map<String, Path> FILES = new HashMap<>();

    /** Writes the input to this suffix's file and returns it. */
    public static synchronized Path write(byte[] input, String suffix) {
        try {
            Path p = FILES.get(suffix);
            if (p == null) {
                p = Files.createTempFile("nst-fuzz-", suffix);
                p.toFile().deleteOnExit();
                FILES.put(suffix, p);
            }
            Files.write(p, input);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fuzz input file", e);
        }
    }
}
