package nst.engine.image;

import nst.engine.NstException;

/**
 * The width and height a JPEG or BMP header declares, read by nst itself so that they are checked before the JDK's
 * decoder, which allocates for them (or fails on them with its own message), sees the file. (PNG: {@link PngChunks}.)
 * Also the two structures of these formats that cost the decoder far more than the file's size suggests.
 */
final class DeclaredSize {
    private DeclaredSize() {}

    /**
     * The most scans (SOS segments) a JPEG may have. Encoders write 1 (baseline) to about 20 (progressive); each scan
     * is a pass over the whole image, so thousands of 10-byte scans would cost minutes of decoding for a small file.
     */
    static final int MAX_JPEG_SCANS = 256;

    /**
     * {width, height} of a JPEG's first frame header (SOFn), found by walking the marker segments before it. Leaves
     * out the DNL marker (a height given after the scan), which the JDK's decoder does not support either: a height
     * of 0 is refused, and so is a JPEG of more than {@link #MAX_JPEG_SCANS} scans.
     */
    static long[] jpeg(byte[] b, String name) {
        checkScanCount(b, name);
        int i = 2;                                               // after SOI (FF D8)
        while (i + 1 < b.length) {
            if ((b[i] & 0xff) != 0xff)
                throw new NstException(name + " is corrupt: no JPEG marker at byte " + i);
            int marker = b[i + 1] & 0xff;
            if (marker == 0xff) { i++; continue; }               // fill byte before a marker
            if (marker == 0x01 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }   // no length
            if (marker == 0xd9 || marker == 0xda) break;         // end of image or start of scan before any frame
            if (i + 4 > b.length) break;
            int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (length < 2 || i + 2 + length > b.length)
                throw new NstException(name + " is truncated or corrupt: the JPEG segment at byte " + i + " declares " + length
                        + " bytes, but only " + (b.length - i - 2) + " remain");
            if (isFrameHeader(marker)) {
                if (length < 8) throw new NstException(name + " is corrupt: the JPEG frame header at byte " + i + " is cut short");
                long height = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff), width = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
                return new long[] {width, height};
            }
            i += 2 + length;
        }
        throw new NstException(name + " is truncated or corrupt: the JPEG has no frame header (SOF) before its image data");
    }

    /** Counts the SOS markers of the whole file, skipping segments by their length and entropy-coded data bytewise. */
    private static void checkScanCount(byte[] b, String name) {
        int scans = 0, i = 2;
        while (i + 3 < b.length) {
            if ((b[i] & 0xff) != 0xff) { i++; continue; }        // entropy-coded data
            int marker = b[i + 1] & 0xff;
            if (marker == 0xff) { i++; continue; }               // fill byte
            if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }   // stuffed 0xFF, TEM, RSTn
            if (marker == 0xd9) return;                          // end of image
            if (marker == 0xda && ++scans > MAX_JPEG_SCANS)
                throw new NstException(name + " has more than " + MAX_JPEG_SCANS + " JPEG scans (encoders write at most about 20); refused as a decoding-time bomb");
            i += 2 + Math.max(2, ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff));
        }
    }

    /** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    private static boolean isFrameHeader(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    /**
     * {width, height} of a BMP's info header: 16-bit in the old 12-byte core header, else signed 32-bit, a negative
     * height meaning rows stored top-down. Refuses a BMP that wraps a JPEG or PNG (compression 4 or 5): the JDK's
     * reader allocates the wrapped image's declared size unchecked and decodes it past these checks (found by
     * ImagesFuzzTest: 88 bytes asking for 1.3 GB).
     */
    static long[] bmp(byte[] b, String name) {
        if (b.length < 34) throw new NstException(name + " is truncated: a BMP header needs 34 bytes, the file has " + b.length);
        long headerSize = u32le(b, 14);
        if (headerSize == 12) return new long[] {u16le(b, 18), u16le(b, 20)};
        long compression = u32le(b, 30);
        if (compression == 4 || compression == 5)
            throw new NstException(name + " is a BMP wrapping a " + (compression == 4 ? "JPEG" : "PNG") + ", which nst does not read; give the "
                    + (compression == 4 ? "JPEG" : "PNG") + " itself");
        return new long[] {(int) u32le(b, 18), Math.abs((long) (int) u32le(b, 22))};
    }

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static long u32le(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }
}
