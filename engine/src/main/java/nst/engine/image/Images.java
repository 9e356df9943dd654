package nst.engine.image;

import nst.engine.NstException;
import nst.engine.io.AtomicFiles;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * Image input and output: PNG, JPEG, GIF and BMP read within {@link ImageLimits} ({@link ImageDecoding}), EXIF
 * orientation applied on load, high-quality resizing, PNG output written atomically with optional tEXt
 * entries. Leaves out colour profiles (pixels are taken as sRGB) and 16-bit output.
 */
public final class Images {
    private Images() {}

    /** Reads an image file within {@link ImageLimits#DEFAULT}; the error names the file and says what is wrong with it. */
    public static Image read(Path path) {
        return read(path, ImageLimits.DEFAULT);
    }

    /** Reads an image file within {@code limits}: file size before reading, declared pixels before decoding. */
    public static Image read(Path path, ImageLimits limits) {
        byte[] bytes;
        try {
            bytes = fileBytes(path, limits);
        } catch (IOException e) {
            throw new NstException("cannot read image file " + path + ": " + ImageDecoding.describe(e));
        }
        return decode(bytes, path.toString(), limits);
    }

    /** Decodes image bytes (PNG, JPEG, BMP, GIF) within {@link ImageLimits#DEFAULT}; {@code name} is used in errors. */
    public static Image decode(byte[] bytes, String name) {
        return decode(bytes, name, ImageLimits.DEFAULT);
    }

    /**
     * Checks image bytes without decoding a pixel: a supported format (PNG, JPEG, BMP, GIF), a sound header and
     * declared dimensions within {@code limits}. Returns {width, height}; an {@link ImageLimits.Exceeded} when over
     * a limit, an NstException naming {@code name} when not an image. A server calls this on every upload before
     * it decodes any of them.
     */
    public static long[] checkDeclared(byte[] bytes, String name, ImageLimits limits) {
        ImageDecoding.Declared d = ImageDecoding.checkDeclared(bytes, name, limits);
        return new long[] {d.width(), d.height()};
    }

    /** Decodes image bytes (PNG, JPEG, BMP, GIF) within {@code limits}, upright by their EXIF orientation. */
    public static Image decode(byte[] bytes, String name, ImageLimits limits) {
        ImageDecoding.Decoded d = ImageDecoding.decode(bytes, name, limits);
        return applyOrientation(fromBuffered(d.pixels()), d.orientation());
    }

    /**
     * The bytes of an image file, refusing before it is opened what is not a regular file (a directory, a device
     * such as /dev/zero, a pipe that would block until written) or is larger than the limit.
     */
    private static byte[] fileBytes(Path path, ImageLimits limits) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NstException("image file not found: " + path);
        }
        if (attrs.isDirectory()) throw new NstException(path + " is a directory, not an image file");
        if (!attrs.isRegularFile()) throw new NstException(path + " is not a regular file (a device, pipe or socket), not an image file");
        limits.checkFileSize(path.toString(), attrs.size());
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes((int) limits.maxFileBytes() + 1);          // the file may have grown since
            limits.checkFileSize(path.toString(), bytes.length);
            return bytes;
        }
    }

    static Image fromBuffered(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        float[] v = new float[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                v[(y) * w + x] = ((p >> 16) & 255) / 255f;
                v[(h + y) * w + x] = ((p >> 8) & 255) / 255f;
                v[(2 * h + y) * w + x] = (p & 255) / 255f;
            }
        }
        return new Image(w, h, v);
    }

    /** 8-bit sRGB, values clamped to [0,1] and rounded. */
    public static BufferedImage toBuffered(Image im) {
        int w = im.width(), h = im.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        float[] v = im.rgb();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = to8(v[y * w + x]), g = to8(v[(h + y) * w + x]), b = to8(v[(2 * h + y) * w + x]);
                row[x] = (r << 16) | (g << 8) | b;
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    static int to8(float f) {
        if (!(f > 0f)) return 0;                 // also NaN
        if (f >= 1f) return 255;
        return Math.round(f * 255f);
    }

    /** Applies EXIF orientation o (1..8) so the image is upright. */
    static Image applyOrientation(Image im, int o) {
        if (o <= 1 || o > 8) return im;
        int w = im.width(), h = im.height();
        boolean swap = o >= 5;
        int nw = swap ? h : w, nh = swap ? w : h;
        float[] out = new float[im.rgb().length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    int sx, sy;                  // source pixel for destination (x, y)
                    switch (o) {
                        case 2 -> { sx = w - 1 - x; sy = y; }
                        case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                        case 4 -> { sx = x; sy = h - 1 - y; }
                        case 5 -> { sx = y; sy = x; }
                        case 6 -> { sx = y; sy = h - 1 - x; }
                        case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                        default -> { sx = w - 1 - y; sy = x; }   // 8
                    }
                    out[(c * nh + y) * nw + x] = im.rgb()[(c * h + sy) * w + sx];
                }
            }
        }
        return new Image(nw, nh, out);
    }

    /** Scales so the longer side is {@code size} (aspect ratio kept, each side at least 1 px). */
    public static Image resizeLongest(Image im, int size) {
        if (size <= 0) throw new NstException("size must be positive, got " + size);
        int[] wh = longestSize(im.width(), im.height(), size);
        return resize(im, wh[0], wh[1]);
    }

    /** {width, height} of a width × height image resized so that its longest side is {@code size} (as {@link #resizeLongest}). */
    public static int[] longestSize(int width, int height, int size) {
        double s = (double) size / Math.max(width, height);
        return new int[] {Math.max(1, (int) Math.round(width * s)), Math.max(1, (int) Math.round(height * s))};
    }

    /**
     * Resamples to w × h with a separable Catmull-Rom (bicubic) filter widened by the scale factor when
     * shrinking, so downscaling averages instead of aliasing (as PIL's antialiased resize does).
     */
    public static Image resize(Image im, int w, int h) {
        if (w == im.width() && h == im.height()) return im.copy();
        float[] tmp = new float[3 * im.height() * w];                    // (3, H_in, W_out)
        resampleRows(im.rgb(), tmp, 3 * im.height(), im.width(), w);
        float[] out = new float[3 * h * w];                              // (3, H_out, W_out)
        for (int c = 0; c < 3; c++)
            resampleColumns(tmp, out, w, im.height(), h, c * im.height() * w, c * h * w);
        return new Image(w, h, out);
    }

    private static void resampleRows(float[] src, float[] dst, int lines, int inLen, int outLen) {
        // Horizontal pass: each of `lines` rows of length inLen becomes a row of length outLen.
        Kernel k = new Kernel(inLen, outLen);
        for (int l = 0; l < lines; l++) {
            int si = l * inLen, di = l * outLen;
            for (int o = 0; o < outLen; o++) {
                double sum = 0;
                int[] idx = k.index[o];
                double[] wt = k.weight[o];
                for (int t = 0; t < idx.length; t++) sum += wt[t] * src[si + idx[t]];
                dst[di + o] = (float) sum;
            }
        }
    }

    private static void resampleColumns(float[] src, float[] dst, int columns, int inLen, int outLen, int srcBase, int dstBase) {
        int stride = columns;
        // Vertical pass over one channel plane: columns stay, rows are resampled.
        Kernel k = new Kernel(inLen, outLen);
        for (int o = 0; o < outLen; o++) {
            int[] idx = k.index[o];
            double[] wt = k.weight[o];
            for (int x = 0; x < columns; x++) {
                double sum = 0;
                for (int t = 0; t < idx.length; t++) sum += wt[t] * src[srcBase + idx[t] * stride + x];
                dst[dstBase + o * stride + x] = (float) sum;
            }
        }
    }

    /** Filter taps for mapping inLen samples to outLen samples (pixel centres aligned). */
    private static final class Kernel {
        final int[][] index;
        final double[][] weight;

        Kernel(int inLen, int outLen) {
            double scale = (double) inLen / outLen;
            double support = 2.0 * Math.max(1.0, scale);
            double fscale = Math.max(1.0, scale);
            index = new int[outLen][];
            weight = new double[outLen][];
            for (int o = 0; o < outLen; o++) {
                double centre = (o + 0.5) * scale - 0.5;
                int lo = (int) Math.floor(centre - support) + 1, hi = (int) Math.floor(centre + support);
                int n = hi - lo + 1;
                int[] ix = new int[n];
                double[] wt = new double[n];
                double total = 0;
                for (int t = 0; t < n; t++) {
                    int i = lo + t;
                    wt[t] = cubic((i - centre) / fscale);
                    ix[t] = Math.min(inLen - 1, Math.max(0, i));     // clamp at the edges
                    total += wt[t];
                }
                for (int t = 0; t < n; t++) wt[t] /= total;
                index[o] = ix;
                weight[o] = wt;
            }
        }

        /** Catmull-Rom cubic (a = −0.5). */
        static double cubic(double x) {
            x = Math.abs(x);
            if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
            if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
            return 0;
        }
    }

    /** Writes a PNG (values clamped to [0,1]) through a temporary file and a rename; tEXt entries optional. */
    public static void writePng(Image im, Path out, Map<String, String> text) throws IOException {
        writePng(im, out, text, AtomicFiles.Disk.REAL);
    }

    /** {@link #writePng(Image, Path, Map)} through {@code disk} (tests: a full disk, a failed rename). */
    public static void writePng(Image im, Path out, Map<String, String> text, AtomicFiles.Disk disk) throws IOException {
        BufferedImage img = toBuffered(im);
        AtomicFiles.write(out, ch -> encodePng(img, text, Channels.newOutputStream(ch)), disk);
    }

    /** The PNG of {@code im} with tEXt entries {@code text} (may be null), in memory: the bytes {@link #writePng} writes. */
    public static byte[] pngBytes(Image im, Map<String, String> text) {
        try {
            var bos = new java.io.ByteArrayOutputStream();
            encodePng(toBuffered(im), text, bos);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void encodePng(BufferedImage img, Map<String, String> text, java.io.OutputStream os) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        // In memory, not ImageIO.createImageOutputStream: its file cache registers a JVM shutdown hook on first use,
        // which fails when the first PNG is the last good image written while Ctrl-C shuts the JVM down.
        try (ImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(os)) {
            writer.setOutput(ios);
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), null);
            if (text != null && !text.isEmpty()) {
                IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                IIOMetadataNode tEXt = new IIOMetadataNode("tEXt");
                for (Map.Entry<String, String> e : text.entrySet()) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("value", e.getValue());
                    tEXt.appendChild(entry);
                }
                root.appendChild(tEXt);
                meta.mergeTree("javax_imageio_png_1.0", root);
            }
            writer.write(null, new IIOImage(img, null, meta), null);
        } catch (javax.imageio.IIOException e) {
            // "I/O error writing PNG file!" hides the reason (a full disk, say): that is the cause
            if (e.getCause() instanceof IOException cause) throw cause;
            throw e;
        } finally {
            writer.dispose();
        }
    }

    /** PNG bytes in memory (for the web studio and reports). */
    public static byte[] pngBytes(Image im) {
        return pngBytes(im, null);
    }

    /**
     * The text entries (tEXt, zTXt, iTXt) of a PNG file, compressed ones inflated under a cap; an empty map for a
     * JPEG, GIF or BMP. The file is checked as {@link #read} checks it (a regular file within the size limit).
     */
    public static Map<String, String> readPngText(Path path) throws IOException {
        return pngText(fileBytes(path, ImageLimits.DEFAULT), path.toString());
    }

    /** The text entries of PNG bytes ({@link #readPngText}); {@code name} is used in errors. */
    public static Map<String, String> pngText(byte[] bytes, String name) {
        if (PngChunks.isPng(bytes)) return PngChunks.text(bytes, name);
        if (ImageDecoding.Format.of(bytes) != null) return Map.of();
        throw new NstException(name + " is not an image in a supported format (PNG, JPEG, BMP, GIF)");
    }
}
