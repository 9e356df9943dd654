package nst.convert;

import nst.engine.WeightsException;
import nst.engine.io.WeightsLimits;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Walks a MAT v5 file's top-level data elements before mfl-core reads it (mfl-core inflates and holds
 * every variable, trusting the sizes they declare): each element must lie inside the file, and the bytes
 * all of them declare once decompressed (a compressed element's inner tag, read by inflating its first 8
 * bytes only) must stay within {@link WeightsLimits#MAX_INFLATED_BYTES}. A file of eight compressed 1 GB
 * arrays, 8 MB on disk, is refused here, in milliseconds.
 */
final class MatPrescan {
    private MatPrescan() {}

    private static final int MI_COMPRESSED = 15;

    static void check(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 128) throw new WeightsException(path + ": truncated MAT file (" + size + " bytes, the header alone has 128)");
            ByteBuffer head = ByteBuffer.allocate(128);
            TorchReader.readFully(ch, head, 0);
            ByteOrder order = head.get(126) == 'I' && head.get(127) == 'M' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            long inflated = 0;
            int index = 0;
            for (long pos = 128; pos + 8 <= size; index++) {
                ByteBuffer tag = ByteBuffer.allocate(8).order(order);
                TorchReader.readFully(ch, tag, pos);
                int type = tag.getInt(0);
                long bytes = tag.getInt(4) & 0xffffffffL;
                if (pos + 8 + bytes > size)
                    throw new WeightsException(path + ": truncated MAT file: variable #" + index + " declares " + bytes + " bytes, the file ends " + (size - pos - 8) + " bytes after its tag");
                inflated += type == MI_COMPRESSED ? innerSize(path, ch, pos + 8, bytes, order, index) : bytes;
                if (inflated > WeightsLimits.MAX_INFLATED_BYTES)
                    throw new WeightsException(path + ": its variables hold over " + WeightsLimits.MAX_INFLATED_BYTES
                            + " bytes once decompressed (at variable #" + index + "); a MatConvNet VGG19 holds 548 MiB");
                pos += 8 + (type == MI_COMPRESSED ? bytes : (bytes + 7) / 8 * 8);
            }
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage());
        }
    }

    /** The size the compressed element's inner tag declares (its first 8 inflated bytes), plus that tag. */
    private static long innerSize(Path path, FileChannel ch, long start, long bytes, ByteOrder order, int index) throws IOException {
        ch.position(start);
        InputStream raw = Channels.newInputStream(ch);
        Inflater inflater = new Inflater();
        try (InputStream in = new InflaterInputStream(new BoundedInput(raw, bytes), inflater, 512)) {
            byte[] tag = in.readNBytes(8);
            if (tag.length < 8) throw new WeightsException(path + ": variable #" + index + " is a compressed element without content");
            return 8 + (ByteBuffer.wrap(tag).order(order).getInt(4) & 0xffffffffL);
        } catch (java.util.zip.ZipException e) {
            throw new WeightsException(path + ": variable #" + index + " is not valid compressed data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    /** At most {@code left} bytes of the underlying stream (one compressed element). */
    private static final class BoundedInput extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInput(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r > 0) left -= r;
            return r;
        }
    }
}
