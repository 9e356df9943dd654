package nst.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The protobuf wire format, read from a file through a window of at most 64 KiB, so a file of any size is walked
 * without being loaded. A message is a sequence of fields; each field starts with a tag, the varint
 * {@code field number << 3 | wire type}, followed by its value:
 * <pre>
 *   wire type 0  VARINT  7 bits a byte, least significant first, high bit set on all but the last (at most 10 bytes)
 *   wire type 1  I64     8 bytes, little-endian (fixed64, double)
 *   wire type 2  LEN     a varint length, then that many bytes (string, bytes, nested message, packed repeated numbers)
 *   wire type 3  SGROUP  start of a group (deprecated) ... wire type 4 EGROUP its end
 *   wire type 5  I32     4 bytes, little-endian (fixed32, float)
 * </pre>
 * The reader refuses groups (Caffe's messages have none; refusing them means skipping never recurses)
 * and checks every varint and length against the bytes left in the enclosing message before anything is
 * read or allocated: a length that runs past its message, a varint longer than 10 bytes or a file that
 * ends early is a {@link Malformed} naming the byte where it happened. A caller reads a nested message by
 * {@link #enter}ing it and {@link #exit}ing it; its fields are then bounded by its length.
 * Leaves out writing, schemas and zigzag (sint) decoding, which Caffe's weights do not use.
 */
final class ProtobufReader {
    static final int VARINT = 0, I64 = 1, LEN = 2, SGROUP = 3, EGROUP = 4, I32 = 5;

    /** A malformed or truncated message; the caller adds the file's name. */
    static final class Malformed extends IOException {
        private final boolean truncated;

        Malformed(String message, boolean truncated) {
            super(message);
            this.truncated = truncated;
        }

        /** True when the bytes ran out (the file ends early), false when they say something impossible. */
        boolean truncated() { return truncated; }
    }

    private final FileChannel file;
    private final long fileSize;
    private final ByteBuffer window;
    private long windowStart;   // file offset of window[0]; the window holds [windowStart, windowStart + limit)
    private long pos;           // file offset of the next byte to read
    private long end;           // end of the message being read (the file's size at the top level)

    /** Reads the message that fills bytes [start, end) of the file. */
    ProtobufReader(FileChannel file, long start, long end) throws IOException {
        this.file = file;
        this.fileSize = file.size();
        if (start < 0 || start > end || end > fileSize) throw new IllegalArgumentException("bytes [" + start + ", " + end + ") of a " + fileSize + "-byte file");
        this.pos = start;
        this.end = end;
        this.window = ByteBuffer.allocate((int) Math.min(1 << 16, end - start)).order(ByteOrder.LITTLE_ENDIAN);
        window.limit(0);
    }

    /** Offset in the file of the next byte. */
    long position() { return pos; }

    /** True once the current message's bytes are all read. */
    boolean atEnd() { return pos >= end; }

    static int fieldNumber(long tag) { return (int) (tag >>> 3); }

    static int wireType(long tag) { return (int) (tag & 7); }

    /** The next field's tag; refuses field number 0, groups and the wire types 6 and 7 that do not exist. */
    long readTag() throws IOException {
        long at = pos, tag = readVarint();
        int wireType = wireType(tag);
        if (tag >>> 3 == 0 || tag >>> 32 != 0)
            throw new Malformed("field number " + Long.toUnsignedString(tag >>> 3) + " at byte " + at + " (valid ones are 1 to 2^29 - 1)", false);
        if (wireType == SGROUP || wireType == EGROUP)
            throw new Malformed("a protobuf group (wire type " + wireType + ") at byte " + at + ", which Caffe's messages never hold", false);
        if (wireType > I32) throw new Malformed("wire type " + wireType + " at byte " + at + " (there are 0 to 5)", false);
        return tag;
    }

    /** Refuses a known field written with another wire type than its declaration's. */
    static void requireWireType(long tag, int wireType, String fieldName) throws Malformed {
        if (wireType(tag) != wireType)
            throw new Malformed("field " + fieldNumber(tag) + " (" + fieldName + ") has wire type " + wireType(tag) + ", expected " + wireType, false);
    }

    /** A varint: up to 10 bytes, 64 bits (a negative int32 is written sign-extended to 10 bytes). */
    long readVarint() throws IOException {
        long at = pos, value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw new Malformed("ends inside a varint that starts at byte " + at, end == fileSize);
            int b = nextByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (shift == 63 && b > 1) throw new Malformed("a varint at byte " + at + " does not fit in 64 bits", false);
                return value;
            }
        }
        throw new Malformed("a varint longer than 10 bytes at byte " + at, false);
    }

    /** A LEN field's length, checked against the bytes left in the current message. */
    long readLength() throws IOException {
        long at = pos, length = readVarint();
        if (length < 0 || length > end - pos) {
            boolean whole = end == fileSize;
            throw new Malformed("a length of " + Long.toUnsignedString(length) + " bytes at byte " + at + " runs past the end of "
                    + (whole ? "the file" : "its message") + " (" + (end - pos) + " bytes left)", whole && length >= 0);
        }
        return length;
    }

    int readFixed32() throws IOException {
        need(4, "a 32-bit value");
        int v = 0;
        for (int i = 0; i < 4; i++) v |= nextByte() << (8 * i);
        return v;
    }

    long readFixed64() throws IOException {
        need(8, "a 64-bit value");
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (long) nextByte() << (8 * i);
        return v;
    }

    /**
     * A LEN field's bytes as UTF-8 text, or null (the bytes skipped) when it is longer than {@code maxBytes}:
     * a caller that only compares the text with short names need not hold a long one.
     */
    String readString(int maxBytes) throws IOException {
        long length = readLength();
        if (length > maxBytes) {
            skip(length);
            return null;
        }
        byte[] b = new byte[(int) length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) nextByte();
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Enters a nested message of {@code length} bytes (from {@link #readLength}); returns what {@link #exit} needs. */
    long enter(long length) {
        long outer = end;
        end = pos + length;
        return outer;
    }

    /** Leaves the nested message entered with {@link #enter}, skipping what its reader left unread. */
    void exit(long outerEnd) throws IOException {
        skip(end - pos);
        end = outerEnd;
    }

    /** Skips the value of a field whose tag was just read. */
    void skipField(long tag) throws IOException {
        switch (wireType(tag)) {
            case VARINT -> readVarint();
            case I64 -> skip(need(8, "a 64-bit value"));
            case LEN -> skip(readLength());
            case I32 -> skip(need(4, "a 32-bit value"));
            default -> throw new IllegalStateException("readTag refuses wire type " + wireType(tag));
        }
    }

    /** Skips {@code n} bytes of the current message (the next read refills the window there if need be). */
    void skip(long n) throws IOException {
        need(n, n + " bytes");
        pos += n;
    }

    /** Checks that {@code n} more bytes lie in the current message; returns n. */
    private long need(long n, String what) throws IOException {
        if (n > end - pos)
            throw new Malformed("ends inside " + what + " at byte " + pos + " (" + (end - pos) + " bytes left)", end == fileSize);
        return n;
    }

    /** The byte at pos, read through the window (callers have checked pos < end). */
    private int nextByte() throws IOException {
        long i = pos - windowStart;
        if (i < 0 || i >= window.limit()) {
            window.clear();
            window.limit((int) Math.min(window.capacity(), fileSize - pos));
            windowStart = pos;
            TorchReader.readFully(file, window, pos);
            window.flip();
            i = 0;
        }
        pos++;
        return window.get((int) i) & 0xff;
    }
}
