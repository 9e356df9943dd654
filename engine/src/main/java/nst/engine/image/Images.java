package nst.engine.image;

import nst.engine.NstException;
import nst.engine.io.AtomicFiles;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Image input and output: PNG and JPEG via javax.imageio, EXIF orientation applied on load
 * (metadata-extractor), high-quality resizing, PNG output written atomically with optional tEXt
 * entries. Leaves out colour profiles (pixels are taken as sRGB) and 16-bit output.
 */
public final class Images {
    private Images() {}

    /** Reads an image file; the error names the file and says what is wrong with it. */
    public static Image read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new NstException("image file not found: " + path);
        } catch (IOException e) {
            throw new NstException("cannot read image file " + path + ": " + e.getMessage());
        }
        return decode(bytes, path.toString());
    }

    /** Decodes image bytes (PNG, JPEG, BMP, GIF); {@code name} is used in errors. */
    public static Image decode(byte[] bytes, String name) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new NstException(name + " is not a readable image: " + e.getMessage());
        }
        if (img == null) throw new NstException(name + " is not an image in a supported format (PNG, JPEG, BMP, GIF)");
        Image im = fromBuffered(img);
        return applyOrientation(im, exifOrientation(bytes));
    }

    /** EXIF orientation tag (1..8), 1 when absent or unreadable. */
    static int exifOrientation(byte[] bytes) {
        try {
            Metadata md = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes));
            ExifIFD0Directory dir = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION))
                return dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
        } catch (ImageProcessingException | IOException | MetadataException | RuntimeException ignored) {
            // No readable EXIF: the pixels are taken as stored.
        }
        return 1;
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
        BufferedImage img = toBuffered(im);
        AtomicFiles.write(out, ch -> encodePng(img, text, Channels.newOutputStream(ch)));
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
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(os)) {
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
        } finally {
            writer.dispose();
        }
    }

    /** PNG bytes in memory (for the web studio and reports). */
    public static byte[] pngBytes(Image im) {
        return pngBytes(im, null);
    }

    /** tEXt entries of a PNG file (empty map when none). */
    public static Map<String, String> readPngText(Path path) throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        try (var iis = ImageIO.createImageInputStream(path.toFile())) {
            var readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) throw new NstException(path + " is not an image");
            var reader = readers.next();
            reader.setInput(iis);
            IIOMetadata meta = reader.getImageMetadata(0);
            if (!"javax_imageio_png_1.0".equals(meta.getNativeMetadataFormatName())) return out;
            var root = (IIOMetadataNode) meta.getAsTree("javax_imageio_png_1.0");
            var entries = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < entries.getLength(); i++) {
                var e = (IIOMetadataNode) entries.item(i);
                out.put(e.getAttribute("keyword"), e.getAttribute("value"));
            }
            reader.dispose();
        }
        return out;
    }
}
