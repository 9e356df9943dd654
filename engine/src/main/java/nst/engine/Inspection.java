package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.Objective;
import nst.engine.network.Tensor;
import nst.engine.network.Backbone;
import nst.kernels.Backend;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Pictures of the algorithm's insides for the step-through (web studio, {@code nst explain}): a forward
 * pass of any image to its feature maps, feature-map grids, Gram-matrix heatmaps and the image gradient
 * as a picture. Leaves out layout and interaction: callers arrange the PNGs.
 */
public final class Inspection {
    private Inspection() {}

    /** Activations of one layer, (C, H, W). */
    public record FeatureMap(String layer, int channels, int height, int width, float[] data) {
        /** Channel k's (H, W) plane starts at {@code k * height * width}. */
        public int plane() { return height * width; }
    }

    /**
     * Runs {@code image} (at its own size) through {@code net} and returns the activations of
     * {@code layers}. Uses a plan of its own, so an objective on the same network is left untouched.
     */
    public static Map<String, FeatureMap> features(Backbone net, Image image, List<String> layers) {
        Backbone spec = net;
        Backend backend = net.backend();
        TreeSet<Integer> taps = new TreeSet<>();
        for (String l : layers) taps.add(spec.indexOf(l));
        Map<String, FeatureMap> out = new LinkedHashMap<>();
        if (taps.isEmpty()) return out;
        try (Backbone.Plan p = net.forwardPlan(image.height(), image.width(), taps.last(), taps, null)) {
            float[] in = new float[3 * image.pixels()];                      // (3, H, W) preprocessed
            net.preprocess().forward(in, image.rgb(), image.pixels());
            backend.upload(p.input(), in);
            p.forward();
            for (String l : layers) {
                int i = spec.indexOf(l);
                Tensor t = p.tensor(i);
                out.put(l, new FeatureMap(l, t.channels(), t.height(), t.width(), t.download(backend)));
            }
        }
        return out;
    }

    /** F_l(x) of the objective's last evaluation, with its shape. */
    public static FeatureMap current(Objective objective, String layer) {
        int i = objective.network().indexOf(layer);
        Backbone.Plan p = objective.plan();
        return new FeatureMap(layer, p.channels(i), p.height(i), p.width(i), objective.activation(layer));
    }

    /** The {@code n} channels with the largest mean activation (ties: lower index first), in channel order. */
    public static int[] strongestChannels(FeatureMap f, int n) {
        int c = f.channels(), hw = f.plane();
        double[] energy = new double[c];
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int i = 0; i < hw; i++) s += Math.abs(f.data()[k * hw + i]);
            energy[k] = s / hw;
        }
        Integer[] idx = new Integer[c];
        for (int k = 0; k < c; k++) idx[k] = k;
        Arrays.sort(idx, (a, b) -> energy[a] != energy[b] ? Double.compare(energy[b], energy[a]) : Integer.compare(a, b));
        int[] out = new int[Math.min(n, c)];
        for (int k = 0; k < out.length; k++) out[k] = idx[k];
        Arrays.sort(out);
        return out;
    }

    /** Per chosen channel, the largest absolute value over the given maps (a shared scale for their grids). */
    public static float[] channelScale(int[] channels, FeatureMap... maps) {
        float[] s = new float[channels.length];
        for (FeatureMap f : maps) {
            int hw = f.plane();
            for (int j = 0; j < channels.length; j++)
                for (int i = 0; i < hw; i++) s[j] = Math.max(s[j], Math.abs(f.data()[channels[j] * hw + i]));
        }
        for (int j = 0; j < s.length; j++) if (!(s[j] > 0)) s[j] = 1;
        return s;
    }

    /**
     * A square-ish grid of the chosen channel maps, each scaled by {@code scale[j]} (values above it
     * saturate), in the colour map, tiles enlarged (nearest neighbour) to at least {@code minTile} px.
     */
    public static BufferedImage featureGrid(FeatureMap f, int[] channels, float[] scale, int minTile) {
        int n = channels.length, cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
        int zoom = Math.max(1, (int) Math.ceil((double) minTile / Math.max(f.width(), f.height())));
        int tw = f.width() * zoom, th = f.height() * zoom, gap = 2;
        BufferedImage img = new BufferedImage(cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap, BufferedImage.TYPE_INT_RGB);
        int bg = 0x202020;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, bg);
        int hw = f.plane();
        for (int j = 0; j < n; j++) {
            int ox = gap + (j % cols) * (tw + gap), oy = gap + (j / cols) * (th + gap);
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    float v = f.data()[channels[j] * hw + (y / zoom) * f.width() + x / zoom];
                    img.setRGB(ox + x, oy + y, colour(v / scale[j]));
                }
            }
        }
        return img;
    }

    /**
     * A C × C matrix (row-major) as a heatmap: sqrt(|v| / scale) through the colour map (the square root
     * lets the many small entries show next to the few large ones). Matrices larger than {@code maxSide}
     * are block-averaged down.
     */
    public static BufferedImage heatmap(float[] m, int c, float scale, int maxSide) {
        int block = Math.max(1, (c + maxSide - 1) / maxSide), side = (c + block - 1) / block;
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        float s = scale > 0 ? scale : 1;
        for (int by = 0; by < side; by++) {
            for (int bx = 0; bx < side; bx++) {
                double sum = 0;
                int cnt = 0;
                for (int y = by * block; y < Math.min(c, (by + 1) * block); y++)
                    for (int x = bx * block; x < Math.min(c, (bx + 1) * block); x++) {
                        sum += Math.abs(m[y * c + x]);
                        cnt++;
                    }
                img.setRGB(bx, by, colour(Math.sqrt(sum / cnt / s)));
            }
        }
        return img;
    }

    /** The largest absolute entry (a heatmap scale); 1 when all are zero. */
    public static float maxAbs(float[] m) {
        float s = 0;
        for (float v : m) s = Math.max(s, Math.abs(v));
        return s > 0 ? s : 1;
    }

    /**
     * d loss / d x (3, H, W) as a picture: per pixel the gradient's length over the three channels,
     * scaled so the 99th percentile is the top of the colour map. Bright = where the next step paints most.
     */
    public static BufferedImage gradientPicture(float[] grad, int width, int height) {
        int hw = width * height;
        float[] mag = new float[hw];
        for (int i = 0; i < hw; i++) {
            double r = grad[i], g = grad[hw + i], b = grad[2 * hw + i];
            mag[i] = (float) Math.sqrt(r * r + g * g + b * b);
        }
        float[] sorted = mag.clone();
        Arrays.sort(sorted);
        float top = sorted[Math.min(hw - 1, (int) (0.99 * hw))];
        if (!(top > 0)) top = 1;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, colour(mag[y * width + x] / top));
        return img;
    }

    /** Anchors of a magma-like sequential colour map (dark purple → orange → pale yellow). */
    private static final int[][] MAP = {{0, 0, 4}, {40, 11, 84}, {101, 21, 110}, {159, 42, 99}, {212, 72, 66},
            {245, 125, 21}, {250, 193, 39}, {252, 253, 191}};

    /** t in [0,1] (clamped; NaN → 0) to a 0xRRGGBB colour. */
    public static int colour(double t) {
        if (!(t > 0)) t = 0;
        if (t > 1) t = 1;
        double p = t * (MAP.length - 1);
        int i = Math.min(MAP.length - 2, (int) p);
        double f = p - i;
        int r = (int) Math.round(MAP[i][0] + f * (MAP[i + 1][0] - MAP[i][0]));
        int g = (int) Math.round(MAP[i][1] + f * (MAP[i + 1][1] - MAP[i][1]));
        int b = (int) Math.round(MAP[i][2] + f * (MAP[i + 1][2] - MAP[i][2]));
        return (r << 16) | (g << 8) | b;
    }

    /** PNG bytes of a picture. */
    public static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bos);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
