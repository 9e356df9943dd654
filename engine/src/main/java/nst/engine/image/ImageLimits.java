package nst.engine.image;

import nst.engine.NstException;

import java.util.Locale;

/**
 * How large an image may be: its file in bytes, checked before the file is read, and its width × height as its
 * header declares them, checked before any pixel is decoded. {@link #DEFAULT} suits the command line; the studio
 * passes its own, tighter limits.
 *
 * @param maxPixels    largest width × height accepted
 * @param maxFileBytes largest file accepted
 */
public record ImageLimits(long maxPixels, long maxFileBytes) {
    /** 50 megapixels: the largest phone and camera photos (8660 × 5773); 600 MB once decoded to float planes. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** 256 MiB: far above any 50-megapixel PNG or JPEG that is not padded on purpose. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;
    /** The most pixels whose three float planes fit in one Java array (an {@link Image}'s layout). */
    public static final long MAX_PIXELS_IN_AN_IMAGE = (Integer.MAX_VALUE - 8) / 3;

    public static final ImageLimits DEFAULT = new ImageLimits(DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES);

    public ImageLimits {
        if (maxPixels < 1 || maxPixels > MAX_PIXELS_IN_AN_IMAGE)
            throw new IllegalArgumentException("maxPixels must be 1.." + MAX_PIXELS_IN_AN_IMAGE + ", got " + maxPixels);
        if (maxFileBytes < 1 || maxFileBytes > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("maxFileBytes must be 1.." + (Integer.MAX_VALUE - 8) + ", got " + maxFileBytes);
    }

    /** An image over a limit (a server answers 413 to it, not 415 as to a file that is not an image). */
    public static final class Exceeded extends NstException {
        Exceeded(String message) { super(message); }
    }

    /** Refuses a file of {@code size} bytes over the limit; {@code name} names it in the message. */
    public void checkFileSize(String name, long size) {
        if (size > maxFileBytes)
            throw new Exceeded(name + " is " + fileSize(size) + "; image files over " + fileSize(maxFileBytes) + " are refused");
    }

    /** Refuses declared dimensions that are not positive or exceed the pixel budget; {@code name} names the image. */
    public void checkDimensions(String name, long width, long height) {
        if (width < 1 || height < 1)
            throw new NstException(name + " declares width " + width + " and height " + height + "; an image needs at least 1x1 pixels");
        if (width > maxPixels || height > maxPixels || width * height > maxPixels)      // no overflow: both ≤ 7.2e8
            throw new Exceeded(name + " is " + width + "x" + height + " = " + megapixels(width * height)
                    + "; the limit is " + megapixels(maxPixels));
    }

    static String megapixels(long pixels) {
        if (pixels < 100_000) return pixels + " pixels";
        return String.format(Locale.ROOT, "%.1f megapixels", pixels / 1e6);
    }

    static String fileSize(long bytes) {
        if (bytes < 10_000) return bytes + " bytes";
        if (bytes < 1 << 20) return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
