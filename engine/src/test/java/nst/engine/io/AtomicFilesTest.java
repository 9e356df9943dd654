package nst.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Atomic writes: content, no leftovers after a failure, and ordinary permissions on the result. */
class AtomicFilesTest {
    @TempDir Path dir;

    private static void write(Path p, String text) throws IOException {
        AtomicFiles.write(p, ch -> ch.write(ByteBuffer.wrap(text.getBytes())));
    }

    @Test
    void newFileIsReadableByOthersAsAnOrdinaryFileWouldBe() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path p = dir.resolve("out.png");
        write(p, "one");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    }

    @Test
    void replacingKeepsTheReplacedFilesPermissionsAndContent() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path p = dir.resolve("out.png");
        write(p, "one");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
        write(p, "two");
        assertEquals("two", Files.readString(p));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path p = dir.resolve("out.png");
        write(p, "old");
        assertThrows(IOException.class, () -> AtomicFiles.write(p, ch -> {
            ch.write(ByteBuffer.wrap("partial".getBytes()));
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(p));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the old file remains");
        }
    }
}
