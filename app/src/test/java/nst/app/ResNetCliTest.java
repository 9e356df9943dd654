package nst.app;

import nst.app.NstCli.Run;
import nst.engine.WeightsLookup;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.ResNetWeights;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code nst stylize --model resnet50} end to end: with a converted file in the weights contract (a narrow one the
 * test writes with {@link ResNetWeights#save}), with seeded random weights through {@code --weights auto} when no
 * default file is installed (the notice says how to get one; -Dnst.test.fullwidth=true, too slow for CI), and the one-line refusals of a VGG file for ResNet
 * and the other way round.
 */
class ResNetCliTest {
    @TempDir Path dir;

    Path example(String name) throws Exception {
        Path p = dir.resolve(name);
        try (var in = getClass().getResourceAsStream("/nst/examples/" + name)) {
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    List<String> args(Path out, String weights, String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("stylize", "--content", example("tubingen.jpg").toString(), "--style",
                example("starry_night.jpg").toString(), "--out", out.toString(), "--size", "40", "--iterations", "1",
                "--model", "resnet50", "--weights", weights, "--backend", "scalar"));
        for (int i = 0; i + 1 < more.length; i += 2) {          // an option given again replaces the default above
            int at = a.indexOf(more[i]);
            if (at >= 0) a.set(at + 1, more[i + 1]);
            else a.addAll(List.of(more[i], more[i + 1]));
        }
        return a;
    }

    @Test void convertedFileAndBothTransforms() throws Exception {
        Path w = dir.resolve("resnet50-narrow.safetensors");
        ResNetWeights.random(4, 3, Preprocess.CAFFE).save(w);
        for (String t : List.of("softmax", "none")) {
            Path out = dir.resolve("out-" + t + ".png");
            Run r = NstCli.nst(args(out, w.toString(), "--feature-transform", t).toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            var im = Images.read(out);
            assertEquals(40, im.width());
            assertEquals(30, im.height());
            assertTrue(r.err().contains("resnet50"), r.err());
            String recorded = Images.readPngText(out).get("nst:options");
            assertTrue(recorded.contains("--model resnet50") && recorded.contains("--feature-transform " + t), recorded);
        }
    }

    /**
     * The full-width random ResNet-50 (23.5 M values made, uploaded and run): 15 to 40 s on the 2 shared build cores,
     * over the CI budget, so only with -Dnst.test.fullwidth=true.
     */
    @Test @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "nst.test.fullwidth", matches = "true")
    void randomWeightsThroughAuto() throws Exception {
        Path absent = WeightsLookup.defaultFile("resnet50");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(absent), "pretrained resnet50 weights are installed at " + absent);
        Path out = dir.resolve("random.png");
        Run r = NstCli.nst(args(out, "auto", "--iterations", "1", "--size", "32").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("no pretrained resnet50 weights at " + absent) && r.err().contains("./nst weights fetch resnet50"), r.err());
        assertTrue(Files.exists(out));
    }

    @Test void aFileForTheOtherNetworkIsOneLine() throws Exception {
        Path resnet = dir.resolve("r.safetensors"), vgg = dir.resolve("v.safetensors");
        ResNetWeights.random(2, 1, Preprocess.TORCHVISION).save(resnet);
        VggWeights.random(VggSpec.vgg19().withWidths(2, 2, 2, 2, 2), 1, Preprocess.TORCHVISION).save(vgg);
        List<String> a = args(dir.resolve("x.png"), resnet.toString());
        a.set(a.indexOf("resnet50"), "vgg19");
        Run r = NstCli.nst(a.toArray(String[]::new));
        assertEquals(1, r.code());
        assertEquals("nst: error: " + resnet + " holds resnet50 weights, but --model is vgg19", r.err().strip());
        r = NstCli.nst(args(dir.resolve("y.png"), vgg.toString()).toArray(String[]::new));
        assertEquals(1, r.code());
        assertEquals("nst: error: " + vgg + " holds vgg19 weights, but --model is resnet50", r.err().strip());
        assertFalse(Files.exists(dir.resolve("x.png")) || Files.exists(dir.resolve("y.png")));
    }

    @Test void vggLayerNamesAreRefusedForResNet() throws Exception {
        Path w = dir.resolve("r.safetensors");
        ResNetWeights.random(2, 1, Preprocess.TORCHVISION).save(w);
        Run r = NstCli.nst(args(dir.resolve("z.png"), w.toString(), "--content-layers", "relu4_2").toArray(String[]::new));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("unknown layer 'relu4_2' for resnet50; valid layers: relu,maxpool,layer1.0,"), r.err());
    }
}
