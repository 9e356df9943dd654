package nst.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

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
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
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
