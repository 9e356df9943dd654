package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import nst.engine.WeightsException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the Caffe reader (Jazzer). The property, for any bytes: the reader opens the
 * file and reads every conv tensor it describes, or refuses it with a {@link WeightsException} whose one-line
 * message names the file; never another exception; an answer within {@link #TIME_LIMIT_SECONDS}; and never
 * more than a small multiple of the input in allocations (a reader that trusted a declared length would
 * allocate far more). The bytes are read twice and the second reading is measured, so that class loading
 * (and Jazzer's instrumentation of the classes loaded on the way) does not count.
 * <p>
 * In every build this runs once per seed in {@code src/test/resources/nst/convert/CaffeFuzzTestInputs/fuzz/}
 * (the tiny models and the hostile files of tools/make_caffe_fixtures.py); with {@code JAZZER_FUZZ=1} it fuzzes
 * for {@code maxDuration} (weights-converter/README.md has the command). Leaves out the VGG layout checks of
 * the converter (format independent).
 */
class CaffeFuzzTest {

    /** Bytes a reading may allocate per input byte (a one-byte layer name costs a String for 3 file bytes) ... */
    static final long ALLOCATION_PER_BYTE = 32;
    /** ... plus a constant for the reader's own objects (windows of at most 64 KiB, maps, paths). */
    static final long ALLOCATION_SLACK = 8 << 20;
    /** A generous bound that only a hang exceeds: the inputs are a few KB. */
    static final int TIME_LIMIT_SECONDS = 10;

    private static final Path FILE = scratchFile();
    /** Reads in a thread of its own, so that a hang fails the input instead of stalling the fuzzer. */
    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "caffe-fuzz-reader");
        t.setDaemon(true);
        return t;
    });

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
    void fuzz(byte[] data) throws Exception {
        Files.write(FILE, data);
        Future<Long> allocated = READER.submit(() -> {
            readOrRefuse();
            long before = allocatedBytes();
            readOrRefuse();
            return allocatedBytes() - before;
        });
        long bytes;
        try {
            bytes = allocated.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + TIME_LIMIT_SECONDS + " s for a " + data.length + "-byte file");
        } catch (ExecutionException e) {
            throw new AssertionError("neither success nor a WeightsException", e.getCause());
        }
        assertTrue(bytes <= ALLOCATION_PER_BYTE * data.length + ALLOCATION_SLACK,
                bytes + " bytes allocated for a " + data.length + "-byte file");
    }

    /** Success (every conv tensor read in full) or a one-line WeightsException naming the file. */
    private static void readOrRefuse() throws IOException {
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
    }

    private static void readWhole(SourceTensor t) throws IOException {
        assertEquals(t.elements(), t.read().length, "values read for the shape described");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
