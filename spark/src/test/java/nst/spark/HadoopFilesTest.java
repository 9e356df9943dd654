package nst.spark;

import nst.engine.NstException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Writes through a temporary name and a rename on a Hadoop file system (the local one), and bounded reads. */
class HadoopFilesTest {
    @TempDir Path dir;
    final Configuration conf = new Configuration();

    List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWriteLeavesOnlyTheTargetAndNoChecksumSideFiles() throws Exception {
        HadoopFiles.writeAtomically(dir.resolve("a.png").toUri().toString(), new byte[] {1, 2, 3}, "attempt-7", conf);
        assertEquals(List.of("a.png"), names());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(dir.resolve("a.png")));
    }

    @Test
    void aTargetThatIsThereIsKeptWhenIdenticalAndReplacedWhenNot() throws Exception {
        Path a = dir.resolve("a.png");
        Files.write(a, new byte[] {1, 2, 3});
        // (The local file system's rename replaces a target, as POSIX does; HDFS's refuses, and the bytes are compared.)
        HadoopFiles.writeAtomically(a.toString(), new byte[] {1, 2, 3}, "attempt-8", conf);   // a speculative twin's bytes
        assertEquals(List.of("a.png"), names());
        HadoopFiles.writeAtomically(a.toString(), new byte[] {4, 5}, "attempt-9", conf);      // an older output made again
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(a));
        assertEquals(List.of("a.png"), names());
    }

    @Test
    void temporariesOfKilledAttemptsAreRemovedAndNothingElse() throws Exception {
        for (String n : List.of(".a.png.attempt-3.nst-tmp", "a.png", ".hidden", "b.nst-tmp")) Files.writeString(dir.resolve(n), "x");
        assertEquals(1, HadoopFiles.removeTemporaries(dir.toString(), conf));
        assertEquals(List.of(".hidden", "a.png", "b.nst-tmp"), names());
    }

    @Test
    void aFileOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        Files.write(dir.resolve("big.png"), new byte[100]);
        var e = assertThrows(NstException.class, () -> HadoopFiles.read(dir.resolve("big.png").toString(), 99, conf));
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
        assertNull(HadoopFiles.readIfExists(dir.resolve("none.png").toString(), 99, conf));
    }
}
