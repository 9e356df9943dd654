package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import nst.engine.WeightsException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the Caffe reader (Jazzer). The property, for any bytes: the reader opens the
 * file and reads every conv tensor it describes, or refuses it with a {@link WeightsException} whose one-line
 * message names the file; never another exception, and never more than a small multiple of the input in
 * allocations (a reader that trusted a declared length would allocate far more). A hang shows as a
 * Jazzer timeout (see weights-converter/README.md for the command that passes one).
 * <p>
 * In every build this runs once per seed in {@code src/test/resources/nst/convert/CaffeFuzzTestInputs/fuzz/}
 * (the tiny models and the hostile files of tools/make_caffe_fixtures.py); with {@code JAZZER_FUZZ=1} it fuzzes
 * for {@code maxDuration}. Leaves out the VGG layout checks of the converter (format independent).
 */
class CaffeFuzzTest {

    /** Bytes a run may allocate per input byte (a one-byte layer name costs a String for 3 file bytes) ... */
    static final long ALLOCATION_PER_BYTE = 32;
    /** ... plus a constant for the reader's own objects (windows of at most 64 KiB, maps, paths). */
    static final long ALLOCATION_SLACK = 8 << 20;

    private static final Path FILE = scratchFile();

    private static Path scratchFile() {
        try {
            Path f = Files.createTempFile("nst-caffe-fuzz", ".caffemodel");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void fuzz(byte[] data) throws IOException {
        Files.write(FILE, data);
        long before = allocatedBytes();
        try (SourceModel m = Format.CAFFE.read(FILE, null)) {
            for (SourceModel.Conv c : m.convs().values()) {
                readWhole(c.weight());
                readWhole(c.bias());
            }
        } catch (WeightsException e) {
            String message = e.getMessage();
            assertTrue(message != null && message.contains(FILE.toString()) && message.indexOf('\n') < 0,
                    "a one-line message naming the file: " + message);
        }
        long allocated = allocatedBytes() - before;
        assertTrue(allocated <= ALLOCATION_PER_BYTE * data.length + ALLOCATION_SLACK,
                allocated + " bytes allocated for a " + data.length + "-byte file");
    }

    private static void readWhole(SourceTensor t) throws IOException {
        assertEquals(t.elements(), t.read().length, "values read for the shape described");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
