package nst.app;

import nst.app.NstCli.Run;
import nst.engine.NstException;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.engine.video.Video;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code nst video} end to end on 2 frames of 40 × 30 with tiny random weights, and the MP4 I/O ({@link Mp4}, JCodec):
 * a round trip within the codec's loss, corrupt and unsupported files as one line.
 */
class VideoCommandTest {
    @TempDir Path dir;

    /** A smooth scene panned by (dx, dy), its detail in the luminance (as in real footage: 4:2:0 halves the colour resolution). */
    static Image frame(int w, int h, double dx, double dy) {
        float[] v = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    v[(c * h + y) * w + x] = (float) (0.45 + 0.1 * c + 0.25 * Math.sin(0.21 * (x + dx) + 0.17 * (y + dy))
                            + 0.1 * Math.cos(0.05 * (y + dy) * (c + 1)));
        return new Image(w, h, v);
    }

    Path frames(String name, int n, int w, int h) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        for (int i = 0; i < n; i++) Images.writePng(frame(w, h, 0.8 * i, 0.3 * i), d.resolve(String.format("f%03d.png", i + 1)), Map.of());
        return d;
    }

    static double psnr(Image a, Image b) {
        double se = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            double d = a.rgb()[i] - b.rgb()[i];
            se += d * d;
        }
        return 10 * Math.log10(1 / (se / a.rgb().length));
    }

    /** Frames written as H.264 then read back: same count, size and rate; PSNR above 35 dB on every frame (measured 37.0). */
    @Test void mp4RoundTrip() throws Exception {
        Path in = frames("in", 5, 64, 48);
        List<Path> files;
        try (var s = Files.list(in)) { files = s.sorted().toList(); }
        Path mp4 = dir.resolve("clip.mp4");
        Mp4.write(mp4, files, 12);
        try (Mp4.Reader r = new Mp4.Reader(mp4, ImageLimits.DEFAULT)) {
            assertEquals(5, r.frameCount());
            assertEquals(12, r.fps(), 0.01);
            double worst = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                Image back = r.next();
                assertEquals(64, back.width());
                assertEquals(48, back.height());
                worst = Math.min(worst, psnr(Images.read(files.get(i)), back));
            }
            assertNull(r.next());
            System.out.printf("MP4 round trip (JCodec H.264 baseline, 64x48, 5 frames): worst PSNR %.1f dB%n", worst);
            assertTrue(worst > 35, "PSNR " + worst);
        }
        // odd sizes lose the last column and row (4:2:0)
        Path odd = frames("odd", 2, 33, 25);
        try (var s = Files.list(odd)) { Mp4.write(dir.resolve("odd.mp4"), s.sorted().toList(), 25); }
        try (Mp4.Reader r = new Mp4.Reader(dir.resolve("odd.mp4"), ImageLimits.DEFAULT)) {
            Image back = r.next();
            assertEquals(32, back.width());
            assertEquals(24, back.height());
        }
    }

    static Path resource(String name) throws Exception {
        var url = VideoCommandTest.class.getResource("/video/" + name);
        assertNotNull(url, "missing fixture video/" + name + "; regenerate with /usr/bin/python3 tools/make_video_fixture.py");
        return Path.of(url.toURI());
    }

    /**
     * An x264 High-profile clip (CABAC, 8×8 transform, B-frames; tools/make_video_fixture.py) decoded by JCodec against
     * ffmpeg's decode of the same file: every frame in display order, PSNR above 38 dB (the two YCbCr→RGB conversions
     * differ by a level or two). An MPEG-4 Part 2 file is refused as not H.264.
     */
    @Test void decodesX264HighProfileLikeFfmpeg() throws Exception {
        try (Mp4.Reader r = new Mp4.Reader(resource("x264_high.mp4"), ImageLimits.DEFAULT)) {
            assertEquals(6, r.frameCount());
            assertEquals(25, r.fps(), 0.01);
            double worst = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) worst = Math.min(worst, psnr(Images.read(resource(String.format("x264_high_%02d.png", i))), r.next()));
            assertNull(r.next());
            System.out.printf("x264 High profile decoded by JCodec vs ffmpeg: worst PSNR %.1f dB%n", worst);
            assertTrue(worst > 38, "PSNR " + worst);
        }
        NstException e = assertThrows(NstException.class, () -> new Mp4.Reader(resource("mpeg4_part2.mp4"), ImageLimits.DEFAULT));
        assertTrue(e.getMessage().contains("H.264"), e.getMessage());
    }

    @Test void corruptAndUnsupportedFilesAreOneLine() throws Exception {
        Path noise = dir.resolve("noise.mp4");
        byte[] b = new byte[5000];
        new Random(1).nextBytes(b);
        Files.write(noise, b);
        Path png = dir.resolve("picture.mp4");
        Images.writePng(frame(16, 16, 0, 0), png, Map.of());
        Path in = frames("in", 3, 32, 24);
        Path good = dir.resolve("good.mp4");
        try (var s = Files.list(in)) { Mp4.write(good, s.sorted().toList(), 25); }
        byte[] whole = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.mp4");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        for (Path p : List.of(noise, png, truncated)) {
            NstException e = assertThrows(NstException.class, () -> {
                try (Mp4.Reader r = new Mp4.Reader(p, ImageLimits.DEFAULT)) {
                    while (r.next() != null) { /* decode every frame */ }
                }
            }, p.toString());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
        NstException big = assertThrows(NstException.class, () -> new Mp4.Reader(good, new ImageLimits(100, 1 << 20)));
        assertTrue(big.getMessage().contains("32x24"), big.getMessage());

        Run r = NstCli.nst("video", "--input", noise.toString(), "--style", in.resolve("f001.png").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("nst: error: ") && r.err().contains("noise.mp4"), r.err());
    }

    /** Frames in, MP4 out with kept frames; rerun skips every frame; MP4 in, a folder out; bad options. */
    @Test void videoCommandEndToEnd() throws Exception {
        Path in = frames("in", 2, 40, 30);
        Path style = dir.resolve("style.png");
        Images.writePng(frame(32, 32, 5, 9), style, Map.of());
        Path weights = dir.resolve("narrow.safetensors");
        VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(weights);
        List<String> common = List.of("--style", style.toString(), "--size", "40", "--iterations", "1", "--weights", weights.toString(),
                "--backend", "scalar", "--temporal-weight", "100");
        Path mp4 = dir.resolve("styled.mp4");
        List<String> a = new ArrayList<>(List.of("video", "--input", in.toString(), "--out", mp4.toString(), "--fps", "10"));
        a.addAll(common);
        Run first = NstCli.nst(a.toArray(String[]::new));
        assertEquals(0, first.code(), first.err());
        assertTrue(first.err().contains("frame 2/2"), first.err());
        assertTrue(first.err().contains("video finished: 2 frames made, 0 skipped"), first.err());
        Path kept = dir.resolve("styled.frames");
        for (int i = 1; i <= 2; i++) {
            Map<String, String> text = Images.readPngText(kept.resolve(String.format("frame_%05d.png", i)));
            assertTrue(text.get(Video.VIDEO_KEY).contains("--temporal-weight 100.0"), text.toString());
            assertTrue(text.get("nst:options").contains("--iterations 1"), text.toString());
        }
        try (Mp4.Reader r = new Mp4.Reader(mp4, ImageLimits.DEFAULT)) {
            assertEquals(2, r.frameCount());
            assertEquals(10, r.fps(), 0.01);
            assertEquals(40, r.next().width());
        }
        Run again = NstCli.nst(a.toArray(String[]::new));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("0 frames made, 2 skipped"), again.err());

        // the MP4 as input, a folder as output
        List<String> b = List.of("video", "--input", mp4.toString(), "--out", dir.resolve("frames-out").toString(), "--quiet",
                "--style", style.toString(), "--size", "40", "--iterations", "1", "--weights", weights.toString(), "--backend", "scalar",
                "--temporal-weight", "0");
        Run fromMp4 = NstCli.nst(b.toArray(String[]::new));
        assertTrue(fromMp4.err().strip().equals("nst: video finished: 2 frames made, 0 skipped; " + dir.resolve("frames-out")), fromMp4.err());
        assertEquals(0, fromMp4.code(), fromMp4.err());
        try (var s = Files.list(dir.resolve("frames-out"))) { assertEquals(2, s.count()); }

        Run negative = NstCli.nst("video", "--input", in.toString(), "--out", dir.resolve("x").toString(), "--style", style.toString(),
                "--temporal-weight", "-1");
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("--temporal-weight"), negative.err());
        Run scales = NstCli.nst("video", "--input", in.toString(), "--out", dir.resolve("y").toString(), "--style", style.toString(),
                "--weights", weights.toString(), "--size", "40", "--preserve-colors", "luminance", "--backend", "scalar");
        assertEquals(1, scales.code(), scales.err());
        assertTrue(scales.err().contains("--preserve-colors"), scales.err());
        assertFalse(Files.exists(dir.resolve("y").resolve("frame_00001.png")), "refused before the first frame");
    }
}
