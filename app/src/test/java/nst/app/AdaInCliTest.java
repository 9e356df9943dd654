package nst.app;

import nst.app.NstCli.Run;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nst stylize --method adain} and {@code --init adain} end to end on small images with seeded random AdaIN
 * weights (full width networks: kept at 40 px or less), and the bad inputs of issue 15.
 */
class AdaInCliTest {
    @TempDir Path dir;

    Path example(String name) throws Exception {
        Path p = dir.resolve(name);
        try (var in = getClass().getResourceAsStream("/nst/examples/" + name)) {
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    @Test void adainWritesTheContentSizeWithItsOptionsRecorded() throws Exception {
        Path out = dir.resolve("a.png");
        Run r = NstCli.nst("stylize", "--method", "adain", "--content", example("tubingen.jpg").toString(), "--style",
                example("starry_night.jpg").toString(), "--out", out.toString(), "--weights", "random", "--size", "40", "--alpha", "0.8",
                "--backend", "simd", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("seeded random AdaIN weights"), r.err());
        Image im = Images.read(out);
        Image content = Images.read(dir.resolve("tubingen.jpg"));
        assertEquals(40, Math.max(im.width(), im.height()));
        assertEquals(Images.resizeLongest(content, 40).width(), im.width(), "the content's size: cropped, never resampled");
        assertEquals(Images.resizeLongest(content, 40).height(), im.height());
        Map<String, String> meta = Images.readPngText(out);
        String opts = meta.get("nst:options");
        assertTrue(opts.contains("--method adain") && opts.contains("--alpha 0.8") && opts.contains("--weights random"), opts);
        assertFalse(opts.contains("--iterations") || opts.contains("--style-weight") || opts.contains("--adain-weights"), opts);
        assertEquals("random(seed=0)", meta.get("nst:weights-source"));

        Path again = dir.resolve("b.png");                      // --like reruns it: the same picture
        Run like = NstCli.nst("stylize", "--like", out.toString(), "--out", again.toString());
        assertEquals(0, like.code(), like.err());
        assertEquals(java.util.Arrays.toString(im.rgb()), java.util.Arrays.toString(Images.read(again).rgb()));
    }

    /** Option errors exit 1 with one line naming the flag, as every other bad option value in nst (OptionException). */
    @Test void optionsThatMeanNothingForTheMethodAreErrorsNamingThem() throws Exception {
        String c = example("tubingen.jpg").toString(), s = example("starry_night.jpg").toString(), out = dir.resolve("x.png").toString();
        Run r = NstCli.nst("stylize", "--method", "adain", "--content", c, "--style", s, "--out", out, "--iterations", "10");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--iterations means nothing for --method adain"), r.err());
        r = NstCli.nst("stylize", "--content", c, "--style", s, "--out", out, "--alpha", "0.5");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--alpha means nothing for --method gatys"), r.err());
        r = NstCli.nst("stylize", "--method", "adain", "--content", c, "--style", s, "--out", out, "--alpha", "1.5", "--weights", "random");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--alpha must be at most 1, got 1.5"), r.err());
        r = NstCli.nst("stylize", "--content", c, "--style", s, "--out", out, "--adain-weights", "random");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--adain-weights is the AdaIN weights of --init adain"), r.err());
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test void aVggFileIsNotAnAdaInFileAndATinyStyleIsRefused() throws Exception {
        Path vgg = dir.resolve("vgg.safetensors");
        VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(vgg);
        String c = example("tubingen.jpg").toString(), s = example("starry_night.jpg").toString(), out = dir.resolve("x.png").toString();
        Run r = NstCli.nst("stylize", "--method", "adain", "--content", c, "--style", s, "--out", out, "--weights", vgg.toString(), "--size", "32");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("not AdaIN weights (metadata arch='vgg19', expected 'adain')"), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("nst: error")).count(), "one error line: " + r.err());

        Path tiny = dir.resolve("tiny.png");                    // a strip: 32x2 after --size 32
        Images.writePng(new Image(60, 4, new float[3 * 240]), tiny, null);
        r = NstCli.nst("stylize", "--method", "adain", "--content", c, "--style", tiny.toString(), "--out", out, "--weights", "random",
                "--size", "32");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("style image 1 (after --size and --style-scale) is 32x2, too small for AdaIN's encoder"), r.err());
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test void gatysStartsFromTheAdaInResult() throws Exception {
        Path out = dir.resolve("g.png");
        Path vgg = dir.resolve("vgg.safetensors");
        VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(vgg);
        Run r = NstCli.nst("stylize", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", out.toString(), "--weights", vgg.toString(), "--init", "adain", "--adain-weights", "random", "--size", "32",
                "--style-layers", "relu1_1,relu2_1",
                "--iterations", "2", "--backend", "simd", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("--init adain: starting from the AdaIN result (weights random(seed=0))"), r.err());
        String opts = Images.readPngText(out).get("nst:options");
        assertTrue(opts.contains("--init adain") && opts.contains("--adain-weights random") && !opts.contains("--alpha"), opts);
    }
}
