package nst.engine.video;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.batch.Batch;
import nst.engine.flow.OpticalFlow;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-video loop ({@link Video}) on tiny clips (3 frames of 40 × 30, a narrow random VGG19, a few iterations):
 * frames written with their record, resumed, forced, the chain after a remade frame, cancellation, the temporal
 * loss lowering the flicker; and {@link FrameFolder}'s rules.
 */
class VideoTest {
    @TempDir Path dir;

    static final VggWeights NARROW = VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 5, Preprocess.TORCHVISION);
    static final int W = 40, H = 30;

    /** A smooth textured scene seen through a window panned by (dx, dy) pixels. */
    static Image frame(double dx, double dy) {
        float[] v = new float[3 * W * H];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    double X = x + dx, Y = y + dy;
                    v[(c * H + y) * W + x] = (float) (0.5 + 0.25 * Math.sin(0.31 * X * (c + 1) + 0.23 * Y)
                            + 0.2 * Math.cos(0.17 * Y * (c + 2) - 0.11 * X));
                }
        return new Image(W, H, v);
    }

    static Image style() {
        float[] v = new float[3 * 32 * 32];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + 0.45 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
        return new Image(32, 32, v);
    }

    /** The clip as a folder of numbered PNGs. */
    Path clip(int frames) throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int i = 0; i < frames; i++) Images.writePng(frame(0.7 * i, 0.4 * i), in.resolve("shot_" + (i * 10 + 3) + ".png"), Map.of());
        return in;
    }

    static Video.Recipe recipe(int iterations) {
        return new Video.Recipe() {
            @Override public StyleOptions options(Image content) {
                return StyleOptions.builder().content(content).style(style()).size(W).weightsData(NARROW).backend("scalar")
                        .iterations(iterations).styleWeight(1e4).tvWeight(1e-4).build().validate();
            }
            @Override public Map<String, String> metadata(int index, StyleOptions o, StyleTransfer.Result r) {
                return Map.of(Batch.OPTIONS_KEY, "test --iterations " + o.iterations());
            }
        };
    }

    List<Video.Frame> run(Path in, Path out, double lambda, boolean force, int iterations) throws IOException {
        try (FrameFolder f = new FrameFolder(in)) {
            return new Video(recipe(iterations), lambda, force, null, null).run(f, out, null, null);
        }
    }

    @Test void writesResumesForcesAndRemakesTheChain() throws IOException {
        Path in = clip(3), out = dir.resolve("out");
        List<Video.Frame> first = run(in, out, 100, false, 1);
        assertEquals(3, first.size());
        for (Video.Frame f : first) assertFalse(f.skipped());
        assertTrue(Double.isNaN(first.get(0).trusted()));
        assertTrue(first.get(1).trusted() > 0.5, "most pixels of a small pan are trusted: " + first.get(1).trusted());
        Map<String, String> text = Images.readPngText(out.resolve("frame_00002.png"));
        assertEquals(Video.videoRecord(in.toString(), 1, 100), text.get(Video.VIDEO_KEY));
        assertEquals(W, Images.read(out.resolve("frame_00003.png")).width());

        assertTrue(run(in, out, 100, false, 1).stream().allMatch(Video.Frame::skipped), "same options: every frame skipped");
        assertTrue(run(in, out, 100, true, 1).stream().noneMatch(Video.Frame::skipped), "--force");
        Files.delete(out.resolve("frame_00002.png"));
        assertEquals(List.of(true, false, false), run(in, out, 100, false, 1).stream().map(Video.Frame::skipped).toList(),
                "with the temporal loss, the frames after a remade one are remade");

        assertTrue(run(in, out, 0, false, 1).stream().noneMatch(Video.Frame::skipped), "another temporal weight is another clip");
        Files.delete(out.resolve("frame_00002.png"));
        assertEquals(List.of(true, false, true), run(in, out, 0, false, 1).stream().map(Video.Frame::skipped).toList(),
                "frame-by-frame: only the missing frame");
    }

    @Test void cancelledFrameWritesNothing() throws IOException {
        Path in = clip(3), out = dir.resolve("out");
        StyleTransfer.Cancellation cancel = new StyleTransfer.Cancellation();
        List<Video.Frame> frames;
        try (FrameFolder f = new FrameFolder(in)) {
            frames = new Video(recipe(4), 100, false, null, null).run(f, out, new Video.Listener() {
                @Override public StyleTransfer.Listener transfer(int index) {
                    return new StyleTransfer.Listener() {
                        @Override public void iteration(StyleTransfer.Progress p) { if (index == 1 && p.iteration() == 2) cancel.cancel(); }
                    };
                }
            }, cancel);
        }
        assertEquals(1, frames.size());
        assertTrue(Files.exists(out.resolve("frame_00001.png")));
        try (var files = Files.list(out)) {
            assertEquals(List.of("frame_00001.png"), files.map(p -> p.getFileName().toString()).toList(), "no half-made frame, no temporary file");
        }
    }

    /** The point of the temporal loss: the same iterations, less change between consecutive outputs after warping. */
    @Test void temporalLossLowersTheFlicker() throws IOException {
        Path in = clip(3);
        List<Image> content = new ArrayList<>();
        try (FrameFolder f = new FrameFolder(in)) {
            for (Image im; (im = f.next()) != null; ) content.add(im);
        }
        List<OpticalFlow.Pair> flows = Flicker.flows(content, new OpticalFlow());
        double[] error = new double[2];
        double[] lambdas = {0, 2000};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve("out" + k);
            run(in, out, lambdas[k], false, 8);
            List<Image> outputs = new ArrayList<>();
            for (int i = 0; i < 3; i++) outputs.add(Images.read(out.resolve(FrameFolder.name(i))));
            error[k] = Flicker.clipError(outputs, flows);
        }
        System.out.printf("VideoTest temporal error: λ = 0 %.3e, λ = 2000 %.3e%n", error[0], error[1]);
        assertTrue(error[1] < error[0] / 2, "temporal error with the loss " + error[1] + ", without " + error[0]);
    }

    @Test void frameFolderOrdersByNumberAndRefusesWhatItCannotOrder() throws IOException {
        Path in = clip(3);
        Files.writeString(in.resolve("notes.txt"), "not a frame");
        Images.writePng(frame(0, 0), in.resolve("nonumber.png"), Map.of());
        try (FrameFolder f = new FrameFolder(in)) {
            assertEquals(List.of("shot_3.png", "shot_13.png", "shot_23.png"), f.files().stream().map(p -> p.getFileName().toString()).toList());
        }
        Images.writePng(frame(0, 0), in.resolve("other_013.png"), Map.of());
        NstException dup = assertThrows(NstException.class, () -> new FrameFolder(in));
        assertTrue(dup.getMessage().contains("same frame number"), dup.getMessage());
        Files.delete(in.resolve("other_013.png"));
        Images.writePng(Image.blank(20, 20), in.resolve("shot_99.png"), Map.of());
        try (FrameFolder f = new FrameFolder(in)) {
            f.next(); f.next(); f.next();
            NstException size = assertThrows(NstException.class, f::next);
            assertTrue(size.getMessage().contains("one size"), size.getMessage());
        }
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(NstException.class, () -> new FrameFolder(empty));
        assertThrows(NstException.class, () -> new FrameFolder(dir.resolve("missing")));
    }
}
