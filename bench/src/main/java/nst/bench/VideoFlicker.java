package nst.bench;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.batch.Batch;
import nst.engine.flow.OpticalFlow;
import nst.engine.flow.Warp;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.video.FrameFolder;
import nst.engine.video.FrameSource;
import nst.engine.video.Flicker;
import nst.engine.video.Video;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flicker measurement of issue 17 (tools/video-flicker.sh runs it): a short clip with known camera motion made from
 * examples/tubingen.jpg (a window panned by sub-pixel steps and zoomed in slowly), stylized in The Starry Night with
 * {@link Video} once per temporal weight (0 = plain frame-by-frame), the same iterations, then the temporal error of
 * each result ({@link Flicker#clipError}: consecutive output frames after warping by the content's flow, over the
 * pixels the consistency check trusts). Writes the frames, a strip (content / each λ) and prints a table and the
 * seconds per frame. Frames already in OUT_DIR from an earlier run with the same settings are reused (resumed). Arguments: OUT_DIR FRAMES WIDTH HEIGHT ITERATIONS λ1,λ2,… [weights: random|PATH].
 */
public final class VideoFlicker {
    private VideoFlicker() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 6) {
            System.err.println("usage: VideoFlicker OUT_DIR FRAMES WIDTH HEIGHT ITERATIONS LAMBDA[,LAMBDA…] [WEIGHTS]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int frames = Integer.parseInt(args[1]), w = Integer.parseInt(args[2]), h = Integer.parseInt(args[3]);
        int iterations = Integer.parseInt(args[4]);
        String[] lambdas = args[5].split(",");
        String weights = args.length > 6 ? args[6] : "random";
        Path source = Path.of("examples/tubingen.jpg"), stylePath = Path.of("examples/starry_night.jpg");
        if (!Files.isRegularFile(source)) throw new IllegalStateException("run from the repository root (needs " + source + ")");

        Path clip = out.resolve("content");
        List<Image> content = makeClip(Images.read(source), frames, w, h);
        Files.createDirectories(clip);
        for (int i = 0; i < frames; i++) Images.writePng(content.get(i), clip.resolve(FrameFolder.name(i)), Map.of());
        content.clear();                                   // read back: the 8-bit frames the runs see
        try (FrameFolder f = new FrameFolder(clip)) {
            for (Image im; (im = f.next()) != null; ) content.add(im);
        }
        List<OpticalFlow.Pair> flows = Flicker.flows(content, new OpticalFlow());
        Image style = Images.read(stylePath);

        List<List<Image>> results = new ArrayList<>();
        System.out.printf(Locale.ROOT, "clip: %d frames of %dx%d from %s (pan 0.7, 0.35 px and zoom 0.6 %% per frame), style %s,"
                + " %d L-BFGS iterations per frame, weights %s%n", frames, w, h, source, stylePath, iterations, weights);
        System.out.println("| --temporal-weight | temporal error (mean sq. diff, consistent pixels) | vs frame-by-frame | s/frame (frames 2..N) |");
        System.out.println("|---|---|---|---|");
        double base = Double.NaN;
        for (String l : lambdas) {
            double lambda = Double.parseDouble(l);
            Path dir = out.resolve("lambda-" + l);
            Video.Recipe recipe = new Video.Recipe() {
                @Override public StyleOptions options(Image c) {
                    return StyleOptions.builder().content(c).style(style).size(Math.max(w, h)).weights(weights)
                            .iterations(iterations).backend("simd").build().validate();
                }
                @Override public Map<String, String> metadata(int index, StyleOptions o, StyleTransfer.Result r) {
                    return Map.of(Batch.OPTIONS_KEY, "VideoFlicker " + iterations + " " + weights);
                }
            };
            List<Video.Frame> done;
            try (FrameSource f = new FrameFolder(clip)) {
                done = new Video(recipe, lambda, false, null, msg -> System.err.println("nst: " + msg)).run(f, dir, null, null);
            }
            List<Image> outputs = new ArrayList<>();
            for (Video.Frame fr : done) outputs.add(Images.read(fr.output()));
            results.add(outputs);
            double error = Flicker.clipError(outputs, flows);
            if (Double.isNaN(base)) base = error;
            double seconds = 0;
            for (int i = 1; i < done.size(); i++) seconds += done.get(i).seconds();
            boolean resumed = done.stream().anyMatch(Video.Frame::skipped);
            System.out.printf(Locale.ROOT, "| %s | %.3e | %.2f× | %s |%n", l, error, base / error,
                    resumed ? "(resumed: frames already made)" : String.format(Locale.ROOT, "%.1f", seconds / Math.max(1, done.size() - 1)));
        }
        writeStrip(out.resolve("strip.png"), content, results, Math.min(frames, 5));
        System.out.println("strip: " + out.resolve("strip.png") + " (rows: content, then each --temporal-weight in order)");
    }

    /**
     * Frame k: the source (resized so it is 1.6 × the frame) seen through a w × h window that pans by (0.7, 0.35) px
     * and zooms in by 0.6 % per frame about the window centre, sampled bilinearly: sub-pixel motion, known exactly.
     */
    static List<Image> makeClip(Image src, int frames, int w, int h) {
        Image big = Images.resize(src, (int) Math.round(1.6 * w), (int) Math.round(1.6 * w * src.height() / src.width()));
        int bw = big.width(), bh = big.height(), n = bw * bh;
        List<Image> clip = new ArrayList<>();
        for (int k = 0; k < frames; k++) {
            double zoom = Math.pow(1.006, k);
            double cx = (bw - w) / 2.0 - 0.7 * frames / 2 + 0.7 * k + (w - 1) / 2.0;
            double cy = (bh - h) / 2.0 - 0.35 * frames / 2 + 0.35 * k + (h - 1) / 2.0;
            float[] v = new float[3 * w * h];
            for (int c = 0; c < 3; c++) {
                float[] plane = java.util.Arrays.copyOfRange(big.rgb(), c * n, (c + 1) * n);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        v[(c * h + y) * w + x] = Warp.sample(plane, bw, bh, (float) (cx + (x - (w - 1) / 2.0) / zoom),
                                (float) (cy + (y - (h - 1) / 2.0) / zoom));
            }
            clip.add(new Image(w, h, v));
        }
        return clip;
    }

    /** Rows of the first {@code count} frames: the content, then each result; 2 px white gaps. */
    static void writeStrip(Path file, List<Image> content, List<List<Image>> results, int count) throws IOException {
        int w = content.get(0).width(), h = content.get(0).height(), gap = 2;
        int rows = 1 + results.size(), sw = count * w + (count - 1) * gap, sh = rows * h + (rows - 1) * gap;
        float[] v = new float[3 * sw * sh];
        java.util.Arrays.fill(v, 1f);
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < count; k++) {
                Image im = r == 0 ? content.get(k) : results.get(r - 1).get(k);
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            v[(c * sh + r * (h + gap) + y) * sw + k * (w + gap) + x] = im.rgb()[(c * h + y) * w + x];
            }
        Images.writePng(new Image(sw, sh, v), file, Map.of());
    }
}
