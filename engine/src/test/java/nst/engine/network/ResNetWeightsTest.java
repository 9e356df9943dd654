package nst.engine.network;

import nst.engine.StyleOptions;
import nst.engine.WeightsException;
import nst.engine.WeightsLookup;
import nst.engine.image.Image;
import nst.engine.io.SafeTensors;
import nst.kernels.Backend;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ResNet-50 weights file contract ({@link ResNetWeights}): what the writer writes the loader reads back; every
 * wrong name, shape, metadata key or architecture is one line naming the file and the tensor; seeded random weights
 * keep activations in range.
 */
class ResNetWeightsTest {
    @TempDir Path dir;

    static final ResNetWeights NARROW = ResNetWeights.random(2, 5, Preprocess.TORCHVISION);

    @Test void whatTheWriterWritesTheLoaderReads() throws Exception {
        Path p = dir.resolve("r.safetensors");
        NARROW.save(p);
        ResNetWeights back = ResNetWeights.load(p);
        assertEquals(2, back.base());
        assertEquals("resnet50", back.arch());
        assertEquals(Preprocess.TORCHVISION, back.preprocess());
        assertEquals("random(seed=5)", back.source());
        assertEquals(NARROW.convs().keySet(), back.convs().keySet());
        assertEquals(53, back.convs().size(), "conv1 + 16 blocks × 3 + 4 projections");
        for (String k : NARROW.convs().keySet()) {
            assertArrayEquals(NARROW.convs().get(k).weight(), back.convs().get(k).weight(), k);
            assertArrayEquals(NARROW.convs().get(k).bias(), back.convs().get(k).bias(), k);
        }
        assertSame(ResNetWeights.class, NetworkWeights.load(p).getClass());
    }

    /** Writes the narrow weights with one tensor changed (null: left out), plus metadata. */
    Path file(Map<String, String> meta, String tensor, int[] shape) throws Exception {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (var e : ResNet50.weightShapes(2).entrySet()) {
            int[] s = e.getValue();
            data.put(e.getKey() + ".weight", NARROW.convs().get(e.getKey()).weight());
            shapes.put(e.getKey() + ".weight", s);
            data.put(e.getKey() + ".bias", NARROW.convs().get(e.getKey()).bias());
            shapes.put(e.getKey() + ".bias", new int[] {s[0]});
        }
        if (tensor != null) {
            if (shape == null) { data.remove(tensor); shapes.remove(tensor); }
            else {
                int n = 1;
                for (int d : shape) n *= d;
                data.put(tensor, new float[n]);
                shapes.put(tensor, shape);
            }
        }
        Path p = dir.resolve("bad" + System.nanoTime() + ".safetensors");
        SafeTensors.write(p, meta, data, shapes);
        return p;
    }

    static final Map<String, String> META = Map.of("arch", "resnet50", "preprocess", "caffe");

    String error(Path p) {
        String m = assertThrows(WeightsException.class, () -> ResNetWeights.load(p)).getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith(p.toString()), m);
        return m.substring(p.toString().length());
    }

    @Test void everyMistakeIsOneLineNamingTheTensor() throws Exception {
        assertEquals(Preprocess.CAFFE, ResNetWeights.load(file(META, null, null)).preprocess(), "caffe (Keras) preprocessing, no source key");
        assertEquals(": tensor 'layer2.0.conv2.weight' has shape [4, 4, 1, 1], expected [4, 4, 3, 3] for resnet50 (stem width 2)",
                error(file(META, "layer2.0.conv2.weight", new int[] {4, 4, 1, 1})));
        assertEquals(": tensor 'layer4.0.downsample.bias' has shape [3], expected [64]",
                error(file(META, "layer4.0.downsample.bias", new int[] {3})));
        assertEquals(": missing tensors for resnet50: layer3.5.conv3.weight",
                error(file(META, "layer3.5.conv3.weight", null)));
        assertEquals(": unexpected tensor 'fc.weight' (not a conv of resnet50)", error(file(META, "fc.weight", new int[] {10, 4})));
        assertEquals(": tensor 'conv1.weight' has shape [2, 3, 3, 3], expected [64, 3, 7, 7] for resnet50 (a stem width of 1..128)",
                error(file(META, "conv1.weight", new int[] {2, 3, 3, 3})));
        assertEquals(": missing metadata key 'preprocess'", error(file(Map.of("arch", "resnet50"), null, null)));
        assertEquals(": metadata 'preprocess': unknown preprocess 'keras'; known: torchvision, caffe",
                error(file(Map.of("arch", "resnet50", "preprocess", "keras"), null, null)));
        assertEquals(": unknown metadata key 'bn' (expected arch, preprocess, source)",
                error(file(Map.of("arch", "resnet50", "preprocess", "caffe", "bn", "folded"), null, null)));
        assertTrue(error(file(Map.of("arch", "resnet50", "preprocess", "caffe", "variant", "v1"), null, null))
                        .startsWith(" holds ResNet-50 v1 (Keras' layout"), "Keras' v1 file is refused, not run as v1.5");
        assertEquals(" holds vgg19 weights, not resnet50 (metadata 'arch')",
                error(file(Map.of("arch", "vgg19", "preprocess", "caffe"), null, null)));
    }

    @Test void vggAndResNetFilesAreNotMistakenForEachOther() throws Exception {
        Path resnet = file(META, null, null);
        String m = assertThrows(WeightsException.class, () -> VggWeights.load(resnet)).getMessage();
        assertEquals(resnet + " holds resnet50 weights (metadata 'arch'), not VGG; use --model resnet50", m);
        Path vgg = dir.resolve("vgg.safetensors");
        VggWeights.random(VggSpec.vgg16().withWidths(2, 2, 2, 2, 2), 1, Preprocess.TORCHVISION).save(vgg);
        assertSame(VggWeights.class, NetworkWeights.load(vgg).getClass());
        Image im = new Image(40, 40, new float[3 * 40 * 40]);
        for (var c : List.of(new Object[] {"vgg16", resnet, "holds resnet50 weights, but --model is vgg16"},
                new Object[] {"resnet50", vgg, "holds vgg16 weights, but --model is resnet50"})) {
            StyleOptions o = StyleOptions.builder().content(im).style(im).model((String) c[0]).weights(c[1].toString()).build();
            String e = assertThrows(WeightsException.class, () -> WeightsLookup.resolve(o, s -> {})).getMessage();
            assertEquals(c[1] + " " + c[2], e);
        }
    }

    @Test void autoWithoutTheFileMeansRandomWeightsAndTheirDefaults() {
        Path absent = WeightsLookup.defaultFile("resnet50");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(absent), "pretrained resnet50 weights are installed at " + absent);
        Image im = new Image(40, 40, new float[3 * 40 * 40]);
        StyleOptions o = StyleOptions.builder().content(im).style(im).model("resnet50").weights("auto").build();
        assertEquals(nst.engine.loss.FeatureTransform.SOFTMAX, o.featureTransform());
        assertEquals("layer1.2", o.contentLayers().get(0).layer(), "random weights: the shallow content layer");
        assertTrue(WeightsLookup.isRandom("auto", "resnet50"));
        // the notice that says how to get the file, and the full-width random network: ResNetCliTest (--weights auto)
    }

    /** Seeded random weights keep every tap's activations of order 1 to 10 (docs: why fan_in and the residual gain). */
    @Test void randomWeightsKeepActivationsInRange() {
        ResNetWeights w = ResNetWeights.random(8, 0, Preprocess.TORCHVISION);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] x = new float[3 * 64 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        try (Backend b = new ScalarBackend(); ResNetNetwork net = new ResNetNetwork(b, w);
             Backbone.Plan plan = net.plan(64, 64, net.indexOf("layer4.2"), Set.of())) {
            b.upload(plan.input(), x);
            plan.forward();
            for (String l : net.layerNames()) {
                float[] a = plan.tensor(net.indexOf(l)).download(b);
                double max = 0, mean = 0;
                for (float v : a) { max = Math.max(max, v); mean += v / a.length; }
                assertTrue(max < 100 && mean > 0.05 && mean < 10, l + ": max " + max + " mean " + mean);
            }
        }
    }
}
