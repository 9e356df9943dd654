package nst.engine.image;

import nst.engine.NstException;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.lang.ByteArrayReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Image bytes to pixels under {@link ImageLimits}, in an order that lets nothing large happen before it is allowed:
 * the format from the file's first bytes (PNG, JPEG, GIF, BMP and nothing else), the dimensions from its header
 * checked against the pixel budget, PNG chunk lengths checked against the file, and only then the JDK's decoder for
 * that one format. Whatever that decoder throws on a corrupt file becomes one line naming the file. The EXIF
 * orientation is read from the EXIF block alone (JPEG APP1, PNG eXIf), never from other metadata.
 */
final class ImageDecoding {
    private ImageDecoding() {}

    /** The formats nst reads, with the JDK's name for each. */
    enum Format {
        PNG("png"), JPEG("jpeg"), GIF("gif"), BMP("bmp");

        final String jdkName;

        Format(String jdkName) { this.jdkName = jdkName; }

        /** The format the first bytes say, or null. */
        static Format of(byte[] b) {
            if (PngChunks.isPng(b)) return PNG;
            if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) return JPEG;
            if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8' && (b[4] == '7' || b[4] == '9') && b[5] == 'a') return GIF;
            if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return BMP;
            return null;
        }
    }

    /** Decoded pixels and the EXIF orientation (1..8; 1 when there is none) still to be applied. */
    record Decoded(BufferedImage pixels, int orientation) {}

    /** What a file's header declares, checked: its format, its PNG structure (null for other formats), its size. */
    record Declared(Format format, PngChunks.Header png, long width, long height) {}

    /** The format, checked structure and size that the header declares, refused when over {@code limits}. */
    static Declared checkDeclared(byte[] bytes, String name, ImageLimits limits) {
        if (bytes.length == 0) throw new NstException(name + " is empty (0 bytes), not an image");
        limits.checkFileSize(name, bytes.length);
        Format format = Format.of(bytes);
        if (format == null) throw new NstException(name + " is not an image in a supported format (PNG, JPEG, BMP, GIF)");
        PngChunks.Header png = format == Format.PNG ? PngChunks.header(bytes, name) : null;
        long[] size = switch (format) {
            case PNG -> new long[] {png.width(), png.height()};
            case JPEG -> DeclaredSize.jpeg(bytes, name);
            case BMP -> DeclaredSize.bmp(bytes, name);
            case GIF -> jdkHeaderSize(format, bytes, name);
        };
        limits.checkDimensions(name, size[0], size[1]);
        return new Declared(format, png, size[0], size[1]);
    }

    static Decoded decode(byte[] bytes, String name, ImageLimits limits) {
        Declared declared = checkDeclared(bytes, name, limits);
        PngChunks.Header png = declared.png();
        BufferedImage pixels = jdkDecode(declared.format(), bytes, name);
        limits.checkDimensions(name, pixels.getWidth(), pixels.getHeight());     // what was decoded, not only declared
        int orientation = switch (declared.format()) {
            case JPEG -> jpegOrientation(bytes);
            case PNG -> png.exifOffset() < 0 ? 1
                    : exifOrientation(Arrays.copyOfRange(bytes, png.exifOffset(), png.exifOffset() + png.exifLength()));
            default -> 1;
        };
        return new Decoded(pixels, orientation);
    }

    /** {width, height} from the header by the JDK's reader (GIF: the first frame's, after the extension blocks). */
    private static long[] jdkHeaderSize(Format format, byte[] bytes, String name) {
        return withReader(format, bytes, name, r -> new long[] {r.getWidth(0), r.getHeight(0)});
    }

    private static BufferedImage jdkDecode(Format format, byte[] bytes, String name) {
        BufferedImage img = withReader(format, bytes, name, r -> r.read(0));
        if (img == null) throw new NstException(name + " is not a readable " + format + " image: the decoder returned nothing");
        return img;
    }

    @FunctionalInterface
    private interface ReaderCall<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /**
     * Runs {@code call} on the JDK reader for {@code format} over {@code bytes} (metadata ignored), turning its
     * exceptions, including the runtime ones a corrupt file provokes, into one line naming the file.
     */
    private static <T> T withReader(Format format, byte[] bytes, String name, ReaderCall<T> call) {
        ImageReader reader = ImageIO.getImageReadersByFormatName(format.jdkName).next();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            return call.apply(reader);
        } catch (IOException | RuntimeException e) {
            throw new NstException(name + " is not a readable " + format + " image: " + describe(e));
        } finally {
            reader.dispose();
        }
    }

    /** An exception as one line of plain text: its message, or its class where it has none. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        return m.strip().replaceAll("\\s*\\R\\s*", " ").replaceAll("\\p{Cntrl}", "?");     // one line, no escape sequences
    }

    // ---------------------------------------------------------------- EXIF orientation

    private static int jpegOrientation(byte[] bytes) {
        try {
            Metadata md = JpegMetadataReader.readMetadata(new ByteArrayInputStream(bytes), List.of(new ExifReader()));
            return orientation(md);
        } catch (Exception e) {                   // no readable EXIF: the pixels are taken as stored
            return 1;
        }
    }

    /** The orientation in a TIFF-structured EXIF block (PNG eXIf), 1 when absent or unreadable. */
    private static int exifOrientation(byte[] exif) {
        try {
            Metadata md = new Metadata();
            new ExifReader().extract(new ByteArrayReader(exif), md);
            return orientation(md);
        } catch (Exception e) {
            return 1;
        }
    }

    private static int orientation(Metadata md) throws com.drew.metadata.MetadataException {
        ExifIFD0Directory dir = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
        return dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION) ? dir.getInt(ExifIFD0Directory.TAG_ORIENTATION) : 1;
    }
}
