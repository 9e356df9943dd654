package nst.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's hostile weights files, each converted by {@code nst weights convert} in a child JVM of
 * {@value HostileFiles#HEAP}: each must end with exit code 1 and one line naming the file and the problem,
 * within the time limit, leaving no output and no JVM crash file (hs_err) behind. Before the fixes these
 * crashed with stack traces (StackOverflowError, NumberFormatException, ArithmeticException,
 * NullPointerException), hung (hashing a 2^50-path list graph, printing 40 MB of digits), ran out of memory
 * (a deflate bomb read through strides, a MAT file of eight 1 GB arrays), wrote 844 MB from 2.4 KB
 * (stride-0 views, exit 0), or blamed the wrong thing (unwritten HDF5 chunks called "not floating point").
 */
class HostileWeightsTest {

    @TempDir Path work;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            self_key_list.pth     | refused dict key of type ArrayList
            deep_nesting.pth      | more than 100000 lists, tuples and dicts
            shared_graph_key.pth  | refused dict key of type ArrayList
            long4_protocol.pth    | an integer of 16777216 bytes
            memo_key.pth          | memo key 'not-a-number' is not a number
            size_2pow32.pth       | tensor 'conv1_1.weight' has a dimension of 4294967296
            stride0_expand.pth    | tensor 'conv1_1.weight' shows 33750 values of a storage of 1
            deflate_bomb.pth      | its storages hold over 1073741824 bytes once inflated
            eight_1gb_arrays.mat  | its variables hold over 1073741824 bytes once decompressed
            self_link.h5          | links back to a group already visited (a cycle)
            unwritten_chunks.h5   | has no data: its chunks were never written
            """)
    void convertRefusesWithOneLine(String name, String problem) throws Exception {
        Path in = HostileFiles.copy(name, work);
        Path out = work.resolve("out").resolve("vgg.safetensors");
        Files.createDirectories(out.getParent());
        HostileFiles.Run r = HostileFiles.cli(work, "convert", in.getFileName().toString(), "--out", out.toString());
        System.out.printf("%s: exit %d in %d ms: %s%n", name, r.code(), r.millis(), r.errLines());
        assertEquals(1, r.code(), "exit code; stderr " + r.errLines());
        assertEquals(1, r.errLines().size(), "one line on stderr, got " + r.errLines());
        String line = r.errLines().getFirst();
        assertTrue(line.startsWith("weights convert: " + name + ": "), "names the file: " + line);
        assertTrue(line.contains(problem), "names the problem ('" + problem + "'): " + line);
        assertTrue(line.length() < 300, "a short line: " + line.length() + " characters");
        Fixtures.assertEmpty(out.getParent());
        assertNoCrashFile();
    }

    @Test
    void infoRefusesASparseSafetensorsFileOf5GB() throws Exception {
        // 12000×12000×3×3 float32 declared, the data a 5.2 GB hole (made here: a sparse file uses no disk)
        String json = "{\"__metadata__\":{\"arch\":\"vgg19\",\"preprocess\":\"caffe\",\"source\":\"hostile\"},"
                + "\"conv1_1.weight\":{\"dtype\":\"F32\",\"shape\":[12000,12000,3,3],\"data_offsets\":[0,5184000000]}}";
        byte[] h = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path in = work.resolve("sparse.safetensors");
        try (var f = new java.io.RandomAccessFile(in.toFile(), "rw")) {
            f.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + 5_184_000_000L);
        }
        HostileFiles.Run r = HostileFiles.cli(work, "info", "sparse.safetensors");
        assertEquals(1, r.code(), "exit code; stderr " + r.errLines());
        assertEquals(List.of("weights info: sparse.safetensors: tensor 'conv1_1.weight' has shape 12000×12000×3×3, more than 33554432 values;"
                + " no VGG layer has as many"), r.errLines());
        assertNoCrashFile();
    }

    private void assertNoCrashFile() throws IOException {
        try (Stream<Path> s = Files.list(work)) {
            List<Path> crash = s.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
            assertTrue(crash.isEmpty(), "the JVM crashed: " + crash);
        }
    }
}
