package nst.engine.image;

import nst.engine.NstException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Crafted images (tools/make_hostile_images.py; the gigabyte bombs made here) are refused with one line naming the
 * file and the problem, within a small allocation: no decoding of what the header already rules out, no
 * decompression without a cap, no read of a device or a pipe.
 */
class HostileImagesTest {
    @TempDir Path dir;

    /** What a refusal may allocate at most: a few copies of a small file, never the pixels or text it declares. */
    static final long SMALL_ALLOCATION = 64L << 20;

    static Path hostile(String name) {
        Path p = Path.of("src/test/resources/hostile", name);
        assertTrue(Files.isRegularFile(p), "missing fixture " + p + " (tools/make_hostile_images.py)");
        return p;
    }

    /** Bytes the calling thread allocated while {@code e} ran (HotSpot's per-thread counter: no timing involved). */
    static long allocatedBy(Executable e) throws Throwable {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        e.execute();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /** The message of the NstException {@code e} throws, checked to be one line allocating little. */
    static String refusal(Executable e) throws Throwable {
        String[] message = new String[1];
        long allocated = allocatedBy(() -> message[0] = assertThrows(NstException.class, e).getMessage());
        assertNotNull(message[0]);
        assertFalse(message[0].contains("\n"), "one line: " + message[0]);
        assertTrue(allocated < SMALL_ALLOCATION, "allocated " + (allocated >> 20) + " MB for: " + message[0]);
        return message[0];
    }

    static void assertMentions(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), "'" + part + "' missing in: " + message);
    }

    // ---------------------------------------------------------------- declared sizes

    @Test void oneBitPngOf30000SquaredIsRefusedFromItsHeader() throws Throwable {
        String m = refusal(() -> Images.read(hostile("png-30000x30000-1bit.png")));
        assertMentions(m, "png-30000x30000-1bit.png", "30000x30000", "900.0 megapixels", "limit");
    }

    @Test void oneBitPngOf40000SquaredIsRefusedFromItsHeader() throws Throwable {
        String m = refusal(() -> Images.read(hostile("png-40000x40000-1bit.png")));
        assertMentions(m, "png-40000x40000-1bit.png", "40000x40000", "1600.0 megapixels", "limit");
    }

    @Test void jpegGifAndBmpDeclaring65535SquaredAreRefusedFromTheirHeaders() throws Throwable {
        for (String name : new String[] {"jpeg-65535x65535.jpg", "gif-65535x65535.gif", "bmp-65535x65535.bmp"}) {
            String m = refusal(() -> Images.read(hostile(name)));
            assertMentions(m, name, "65535x65535", "limit");
        }
    }

    @Test void jpegWithThousandsOfScansIsRefusedBeforeDecoding() throws Throwable {
        String m = refusal(() -> Images.read(hostile("jpeg-5000-scans.jpg")));
        assertMentions(m, "jpeg-5000-scans.jpg", "more than 256 JPEG scans");
        assertEquals(6, Images.read(Path.of("src/test/resources/images/exif-orientation-6.jpg")).height(), "one scan is fine");
    }

    @Test void impossibleDimensionsAreNamed() throws Throwable {
        assertMentions(refusal(() -> Images.read(hostile("png-width-zero.png"))), "png-width-zero.png", "width 0");
        assertMentions(refusal(() -> Images.read(hostile("png-width-2pow31.png"))), "png-width-2pow31.png", "2147483648x1");
        assertMentions(refusal(() -> Images.read(hostile("bmp-height-min-int.bmp"))), "bmp-height-min-int.bmp");
    }

    @Test void bmpWrappingAPngIsRefusedBeforeTheJdkAllocatesItsDeclaredSize() throws Throwable {
        String m = refusal(() -> Images.read(hostile("bmp-wrapping-png-declares-1gb.bmp")));
        assertMentions(m, "bmp-wrapping-png-declares-1gb.bmp", "BMP wrapping a PNG");
    }

    // ---------------------------------------------------------------- PNG structure

    @Test void chunkDeclaringTwoGigabytesIsRefusedBeforeAnythingAllocatesIt() throws Throwable {
        for (String name : new String[] {"png-chunk-declares-2gb.png", "png-chunk-after-idat-declares-2gb.png",
                                         "png-palette-chunk-declares-2gb.png"}) {
            String m = refusal(() -> Images.read(hostile(name)));
            assertMentions(m, name, "declares 2147483632 bytes");
            m = refusal(() -> Images.readPngText(hostile(name)));
            assertMentions(m, name, "declares 2147483632 bytes");
        }
    }

    @Test void truncatedAndEmptyFilesSayTruncated() throws Throwable {
        for (String name : new String[] {"png-truncated.png", "png-idat-overruns.png", "png-signature-only.png", "png-no-iend.png"})
            assertMentions(refusal(() -> Images.read(hostile(name))), name, "truncated");
        assertMentions(refusal(() -> Images.read(hostile("jpeg-truncated.jpg"))), "jpeg-truncated.jpg");
        assertMentions(refusal(() -> Images.read(hostile("empty.png"))), "empty.png", "empty");
    }

    // ---------------------------------------------------------------- compressed text

    /**
     * A 64x64 PNG whose {@code kind} chunk holds {@code gigabytes} GB of deflated zeros (about 1 MB per GB). Made
     * in a blink: zlib compresses each 1 MiB of zeros after a full flush to the same bytes, so that segment is
     * repeated, and the stream ends with an empty final block and the Adler-32 of n zeros, (n mod 65521) << 16 | 1.
     */
    Path bomb(String kind, int gigabytes) throws IOException {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] zeros = new byte[1 << 20];
        byte[] first = flushed(d, zeros), segment = flushed(d, zeros);
        assertArrayEquals(segment, flushed(d, zeros), "zlib repeats its output for repeated input after a full flush");
        d.end();
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        deflated.write(first);
        long mebibytes = Math.max(1, (long) gigabytes << 10);
        for (long i = 1; i < mebibytes; i++) deflated.write(segment);
        deflated.write(new byte[] {3, 0});                            // final fixed-Huffman block, end of block only
        deflated.write(ByteBuffer.allocate(4).putInt((int) (((mebibytes << 20) % 65521) << 16 | 1)).array());
        byte[] head = switch (kind) {
            case "zTXt" -> "nst:options\0\0".getBytes(StandardCharsets.ISO_8859_1);
            case "iTXt" -> "nst:options\0\1\0en\0nst:options\0".getBytes(StandardCharsets.ISO_8859_1);
            case "iCCP" -> "icc\0\0".getBytes(StandardCharsets.ISO_8859_1);
            default -> throw new IllegalArgumentException(kind);
        };
        byte[] ok = Images.pngBytes(Image.blank(64, 64));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(ok, 0, 8 + 25);                                     // signature and IHDR
        byte[] data = ByteBuffer.allocate(head.length + deflated.size()).put(head).put(deflated.toByteArray()).array();
        png.write(ByteBuffer.allocate(4).putInt(data.length).array());
        CRC32 crc = new CRC32();
        crc.update(kind.getBytes(StandardCharsets.ISO_8859_1));
        crc.update(data);
        png.write(kind.getBytes(StandardCharsets.ISO_8859_1));
        png.write(data);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        png.write(ok, 8 + 25, ok.length - 8 - 25);                  // the image data and IEND
        return Files.write(dir.resolve(kind + "-bomb.png"), png.toByteArray());
    }

    private static byte[] flushed(Deflater d, byte[] input) {
        d.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length || !d.needsInput());
        return out.toByteArray();
    }

    @Test void bombIsAValidDeflateStream() throws Throwable {
        byte[] png = Files.readAllBytes(bomb("zTXt", 0));                        // 0 GB: just the first MiB
        java.util.zip.Inflater inf = new java.util.zip.Inflater();
        int start = 8 + 25 + 8 + "nst:options".length() + 2;
        inf.setInput(png, start, png.length - start);
        byte[] out = new byte[(1 << 20) + 1];
        assertEquals(1 << 20, inf.inflate(out));
        assertTrue(inf.finished(), "the stream ends, its checksum accepted");
        inf.end();
    }

    @Test void zTxtBombIsNotInflatedWhenDecoding() throws Throwable {
        Path p = bomb("zTXt", 8);
        long allocated = allocatedBy(() -> assertEquals(64, Images.read(p).width()));
        assertTrue(allocated < SMALL_ALLOCATION, "decoding allocated " + (allocated >> 20) + " MB");
    }

    @Test void zTxtAndITxtBombsAreCutAtTheTextLimitWhenReadingMetadata() throws Throwable {
        for (String kind : new String[] {"zTXt", "iTXt"}) {
            Path p = bomb(kind, 2);
            String m = refusal(() -> Images.readPngText(p));
            assertMentions(m, p.getFileName().toString(), kind, "nst:options", "more than 1 MiB");
        }
    }

    @Test void iccProfileBombIsNotInflated() throws Throwable {
        Path p = bomb("iCCP", 2);
        long allocated = allocatedBy(() -> assertEquals(64, Images.read(p).width()));
        assertTrue(allocated < SMALL_ALLOCATION, "decoding allocated " + (allocated >> 20) + " MB");
    }

    @Test void committedSixteenMegabyteZTxtIsRefusedAsText() throws Throwable {
        assertMentions(refusal(() -> Images.readPngText(hostile("png-ztxt-inflates-16mb.png"))), "png-ztxt-inflates-16mb.png", "more than 1 MiB");
    }

    // ---------------------------------------------------------------- what still works

    @Test void textEntriesOfAllThreeKindsAreRead() throws IOException {
        var text = Images.readPngText(hostile("png-64x64-with-text.png"));
        assertEquals("--size 9", text.get("nst:options"));
        assertEquals("42", text.get("nst:seed"));
        assertEquals("café", text.get("nst:note"));
    }

    @Test void pngExifOrientationIsStillApplied() {
        Image im = Images.read(hostile("png-exif-orientation-6.png"));
        assertEquals(4, im.width());
        assertEquals(6, im.height());
    }

    // ---------------------------------------------------------------- what is read at all

    @Test void devZeroIsRefusedWithoutReading() throws Throwable {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "/dev/zero exists");
        assertMentions(refusal(() -> Images.read(zero)), "/dev/zero", "not a regular file");
        assertMentions(refusal(() -> Images.readPngText(zero)), "/dev/zero", "not a regular file");
    }

    @Test void fileOverTheSizeLimitIsRefusedBeforeReading() throws Throwable {
        Path big = dir.resolve("padded.png");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(ImageLimits.DEFAULT_MAX_FILE_BYTES + 1);               // sparse: no disk used
        }
        assertMentions(refusal(() -> Images.read(big)), "padded.png", "256.0 MB", "refused");
        ImageLimits small = new ImageLimits(1000, 100);
        assertMentions(refusal(() -> Images.read(hostile("png-64x64-with-text.png"), small)), "png-64x64-with-text.png", "455 bytes", "over 100 bytes");
    }

    @Test void callersPassTheirOwnPixelLimit() throws Throwable {
        ImageLimits studio = new ImageLimits(5000, ImageLimits.DEFAULT_MAX_FILE_BYTES);
        assertEquals(64, Images.read(hostile("png-64x64-with-text.png"), studio).width());
        byte[] png = Images.pngBytes(Image.blank(64, 63));
        var e = assertThrows(ImageLimits.Exceeded.class, () -> Images.decode(png, "upload", new ImageLimits(4000, 1 << 20)));
        assertEquals("upload is 64x63 = 4032 pixels; the limit is 4000 pixels", e.getMessage());
        assertThrows(ImageLimits.Exceeded.class, () -> Images.read(hostile("png-64x64-with-text.png"), new ImageLimits(5000, 100)));
        assertThrows(IllegalArgumentException.class, () -> new ImageLimits(ImageLimits.MAX_PIXELS_IN_AN_IMAGE + 1, 1));
    }

    @Test void otherFormatsTheJdkKnowsAreNotDecoded() throws Throwable {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        assertTrue(javax.imageio.ImageIO.write(img, "tiff", tiff));
        assertMentions(refusal(() -> Images.decode(tiff.toByteArray(), "scan.tiff")), "scan.tiff", "not an image in a supported format");
    }

    @Test void fifoIsRefusedWithoutWaitingForAWriter() throws Throwable {
        Path fifo = dir.resolve("pipe.png");
        int rc;
        try {
            rc = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mkfifo works here");
        String m = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> refusal(() -> Images.read(fifo)));
        assertMentions(m, "pipe.png", "not a regular file");
    }
}
