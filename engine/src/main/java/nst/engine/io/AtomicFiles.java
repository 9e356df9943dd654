package nst.engine.io;

import nst.engine.NstException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file through a temporary sibling and a rename, so readers see the old file or the whole
 * new one, never a part. Leaves out fsync of the directory (a crash may lose the new file, not corrupt it).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    @FunctionalInterface
    public interface Body {
        void write(FileChannel ch) throws IOException;
    }

    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = temporarySibling(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(false);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /**
     * A new empty temporary file next to {@code target}, with the permissions the renamed file should have:
     * those of the file it replaces, else rw-r--r-- ({@code createTempFile} alone gives rw-------, and the
     * rename would carry that onto a user's output).
     */
    public static Path temporarySibling(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        try {
            Set<PosixFilePermission> perms = Files.isRegularFile(abs) ? Files.getPosixFilePermissions(abs)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the platform's defaults apply
        }
        return tmp;
    }

    /** Fails early, before any long computation, when {@code target}'s directory cannot take a new file. */
    public static void checkWritable(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            if (dir != null) Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".probe");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new NstException("cannot write output " + target + ": directory " + dir + " is not writable (" + e.getMessage() + ")");
        }
        if (Files.isDirectory(abs)) throw new NstException("cannot write output " + target + ": it is a directory");
    }
}
