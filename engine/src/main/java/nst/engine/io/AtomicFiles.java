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

    /** Writes {@code target} with what {@code body} writes, replacing it only once the whole new file is on disk. */
    public static void write(Path target, Body body) throws IOException {
        write(target, body, Disk.REAL);
    }

    /** {@link #write(Path, Body)} through {@code disk}'s steps (tests pass a disk that fills up or cannot rename). */
    public static void write(Path target, Body body, Disk disk) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = temporarySibling(abs);
        try {
            try (FileChannel ch = disk.open(tmp)) {
                body.write(ch);
                ch.force(false);
            }
            disk.rename(tmp, abs);
        } catch (Throwable e) {                                   // the target is untouched; the temporary goes
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The two file-system steps of a write that can fail once the temporary file exists (public so that tests can inject faults). */
    public interface Disk {
        /** Opens the (new, empty) temporary file for writing. */
        FileChannel open(Path tmp) throws IOException;

        /** Renames the finished temporary file over the target. */
        void rename(Path tmp, Path target) throws IOException;

        Disk REAL = new Disk() {
            @Override public FileChannel open(Path tmp) throws IOException {
                return FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }

            @Override public void rename(Path tmp, Path target) throws IOException {
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        };
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
