package nst.engine.io;

import nst.engine.NstException;
import nst.engine.image.Image;
import nst.engine.image.Images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Atomic writes: content, ordinary permissions on the result, and after a failure (a full disk, a failed rename,
 * an encoder error, all injected through {@link AtomicFiles.Disk}) the previous file byte for byte and no leftovers.
 */
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

    // ---------------------------------------------------------------- fault injection

    /** Two different images, so that a half-replaced output could not pass for the old one. */
    static Image picture(int seed) {
        Image im = Image.blank(40, 30);
        java.util.Random r = new java.util.Random(seed);
        float[] v = im.rgb();
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
        return im;
    }

    void assertOnlyFileIs(Path p, byte[] expected) throws IOException {
        assertArrayEquals(expected, Files.readAllBytes(p), "the previous output, byte for byte");
        try (var s = Files.list(dir)) {
            assertEquals(List.of(p.getFileName().toString()), s.map(f -> f.getFileName().toString()).toList(), "no temporary left");
        }
    }

    @Test void diskFullingUpMidWayThroughAPngKeepsThePreviousOutput() throws IOException {
        Path out = dir.resolve("out.png");
        Images.writePng(picture(1), out, Map.of("nst:options", "--size 40"));
        byte[] before = Files.readAllBytes(out);
        assertTrue(Images.pngBytes(picture(2), null).length > 1000, "the new PNG does not fit the room left");
        IOException e = assertThrows(IOException.class,
                () -> Images.writePng(picture(2), out, Map.of("nst:options", "--size 40"), FullDiskChannel.withRoomFor(1000)));
        assertEquals("No space left on device", e.getMessage());
        assertOnlyFileIs(out, before);

        Images.writePng(picture(2), out, null, FullDiskChannel.withRoomFor(1 << 20));    // the same disk with room
        assertArrayEquals(Images.pngBytes(picture(2), null), Files.readAllBytes(out));
    }

    @Test void failedRenameKeepsThePreviousOutputAndRemovesTheWrittenTemporary() throws IOException {
        Path out = dir.resolve("out.png");
        Images.writePng(picture(1), out, null);
        byte[] before = Files.readAllBytes(out);
        long[] tmpSize = {-1};
        AtomicFiles.Disk cannotRename = new AtomicFiles.Disk() {
            @Override public FileChannel open(Path tmp) throws IOException { return AtomicFiles.Disk.REAL.open(tmp); }

            @Override public void rename(Path tmp, Path target) throws IOException {
                tmpSize[0] = Files.size(tmp);
                throw new IOException(tmp + " -> " + target + ": Operation not permitted");
            }
        };
        IOException e = assertThrows(IOException.class, () -> Images.writePng(picture(2), out, null, cannotRename));
        assertTrue(e.getMessage().endsWith("out.png: Operation not permitted"), e.getMessage());
        assertEquals(Images.pngBytes(picture(2), null).length, tmpSize[0], "the whole new file was written before the rename");
        assertOnlyFileIs(out, before);
    }

    @Test void encoderFailureKeepsThePreviousOutput() throws IOException {
        Path out = dir.resolve("out.png");
        write(out, "old");
        byte[] before = Files.readAllBytes(out);
        assertThrows(NstException.class, () -> AtomicFiles.write(out, ch -> {
            ch.write(ByteBuffer.wrap("partial".getBytes()));
            throw new NstException("encoder failed");
        }));
        assertOnlyFileIs(out, before);
    }
}
