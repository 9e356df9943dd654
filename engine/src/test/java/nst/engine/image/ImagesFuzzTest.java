package nst.engine.image;

import nst.engine.NstException;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.management.ManagementFactory;

/**
 * Coverage-guided fuzzing of image decoding (PNG, JPEG with its EXIF orientation, GIF, BMP) and of the PNG text reader
 * that {@code nst stylize --like} relies on. The property: a decoded image within the limits, or an NstException
 * with a one-line message naming the input; never another exception, and never more than a bounded allocation.
 * Without JAZZER_FUZZ the seeds in ImagesFuzzTestInputs/ (tools/make_hostile_images.py, the crashers among them)
 * run as ordinary tests; with it, each target fuzzes for maxDuration, e.g.
 * {@code JAZZER_FUZZ=1 ./mvnw -pl engine -am test -Dtest=ImagesFuzzTest#decode -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ImagesFuzzTest {
    /** Small limits keep each run small: at most 4 MP (16 MB as ARGB, 48 MB as float planes, twice when rotated). */
    static final ImageLimits LIMITS = new ImageLimits(4_000_000, 1 << 20);
    /** What one input may allocate: the decoded image's copies plus the decoders' buffers. */
    static final long MAX_ALLOCATION = 256L << 20;
    static final String NAME = "fuzz-input";

    static {
        warmUp();
    }

    /**
     * Decodes one valid file of each format before anything is measured: loading (and, when fuzzing, instrumenting)
     * the decoders' classes allocates hundreds of MB on the first input's thread, which is not the input's doing.
     */
    static void warmUp() {
        try {
            for (String resource : new String[] {"/images/exif-orientation-6.jpg", "/hostile/png-exif-orientation-6.png", "/hostile/png-64x64-with-text.png"}) {
                try (var in = ImagesFuzzTest.class.getResourceAsStream(resource)) {
                    byte[] bytes = java.util.Objects.requireNonNull(in, resource).readAllBytes();
                    Images.decode(bytes, resource);
                    Images.pngText(bytes, resource);
                }
            }
            for (String format : new String[] {"gif", "bmp"}) {
                var out = new java.io.ByteArrayOutputStream();
                javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_3BYTE_BGR), format, out);
                Images.decode(out.toByteArray(), format);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void decode(byte[] data) {
        withinAllocationBound(() -> {
            try {
                Image im = Images.decode(data, NAME, LIMITS);
                if ((long) im.width() * im.height() > LIMITS.maxPixels()) throw new AssertionError("decoded beyond the limit: " + im.width() + "x" + im.height());
            } catch (NstException e) {
                checkMessage(e);
            }
        });
    }

    @FuzzTest(maxDuration = "3m")
    void pngText(byte[] data) {
        withinAllocationBound(() -> {
            try {
                var text = Images.pngText(data, NAME);
                long chars = text.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
                if (chars > PngChunks.MAX_TEXT_BYTES) throw new AssertionError("text beyond the cap: " + chars);
            } catch (NstException e) {
                checkMessage(e);
            }
        });
    }

    static void checkMessage(NstException e) {
        String m = e.getMessage();
        if (m == null || !m.contains(NAME) || m.contains("\n")) throw new AssertionError("not one line naming the input: " + m, e);
    }

    static void withinAllocationBound(Runnable run) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        run.run();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        if (allocated > MAX_ALLOCATION) throw new AssertionError("allocated " + (allocated >> 20) + " MB for one input");
    }
}
