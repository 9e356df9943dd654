package nst.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel on a disk with {@code room} bytes free: writes go to the real file until the room is used up, then
 * fail as the kernel's ENOSPC does, part of the buffer written. What is not about writing is passed through.
 */
final class FullDiskChannel extends FileChannel {
    private final FileChannel file;
    private long room;

    FullDiskChannel(FileChannel file, long room) {
        this.file = file;
        this.room = room;
    }

    /** A disk that holds {@code room} bytes of a new file and renames as the real one does. */
    static AtomicFiles.Disk withRoomFor(long room) {
        return new AtomicFiles.Disk() {
            @Override public FileChannel open(java.nio.file.Path tmp) throws IOException {
                return new FullDiskChannel(AtomicFiles.Disk.REAL.open(tmp), room);
            }

            @Override public void rename(java.nio.file.Path tmp, java.nio.file.Path target) throws IOException {
                AtomicFiles.Disk.REAL.rename(tmp, target);
            }
        };
    }

    @Override public int write(ByteBuffer src) throws IOException {
        if (room == 0) throw new IOException("No space left on device");
        int n = (int) Math.min(src.remaining(), room);
        ByteBuffer part = src.slice(src.position(), n);
        int written = file.write(part);
        src.position(src.position() + written);
        room -= written;
        return written;
    }

    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            if (!srcs[i].hasRemaining()) continue;
            total += write(srcs[i]);
            if (srcs[i].hasRemaining()) break;
        }
        return total;
    }

    @Override public int write(ByteBuffer src, long position) throws IOException {
        throw new IOException("positional writes are not simulated");
    }

    @Override public int read(ByteBuffer dst) throws IOException { return file.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return file.read(dsts, offset, length); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return file.read(dst, position); }
    @Override public long position() throws IOException { return file.position(); }
    @Override public FileChannel position(long p) throws IOException { file.position(p); return this; }
    @Override public long size() throws IOException { return file.size(); }
    @Override public FileChannel truncate(long size) throws IOException { file.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { file.force(metaData); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("transfers into the file are not simulated");
    }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new IOException("mapping is not simulated");
    }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return file.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return file.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { file.close(); }
}
