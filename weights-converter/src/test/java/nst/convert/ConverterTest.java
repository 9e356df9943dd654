package nst.convert;

import nst.engine.TestBackends;
import nst.engine.image.Image;
import nst.engine.io.SafeTensors;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same random VGG weights exported by PyTorch, h5py, scipy and protobuf in every supported format
 * convert to the same tensors, bit for bit, and to the loss PyTorch computed. Compared: tensor names,
 * shapes, offsets and the whole data section byte for byte; metadata separately (arch equal, preprocess
 * as the format implies, source naming the file). Leaves out bad inputs (BadInputTest).
 */
class ConverterTest {

    @TempDir Path tmp;

    static final String[][] VGG19 = {
            {"vgg19_torchvision_legacy.pth", "torchvision", "PYTORCH_LEGACY"},
            {"vgg19_torchvision_zip.pth", "torchvision", "PYTORCH_ZIP"},
            {"vgg19_gatys_legacy.pth", "caffe", "PYTORCH_LEGACY"},
            {"vgg19_keras.h5", "caffe", "KERAS_HDF5"},
            {"vgg19_keras_old.h5", "caffe", "KERAS_HDF5"},
            {"vgg19_caffe_v1.caffemodel", "caffe", "CAFFE"},
            {"vgg19_matconvnet.mat", "caffe", "MATCONVNET"}};
    static final String[][] VGG16 = {
            {"vgg16_torchvision_legacy.pth", "torchvision", "PYTORCH_LEGACY"},
            {"vgg16_torchvision_zip.pth", "torchvision", "PYTORCH_ZIP"},
            {"vgg16_keras_full.h5", "caffe", "KERAS_HDF5"},
            {"vgg16_caffe.caffemodel", "caffe", "CAFFE"}};

    @Test
    void vgg19InEveryFormatConvertsToIdenticalTensors() throws Exception {
        sameTensors("vgg19", VGG19);
    }

    @Test
    void vgg16InEveryFormatConvertsToIdenticalTensors() throws Exception {
        sameTensors("vgg16", VGG16);
    }

    private void sameTensors(String arch, String[][] files) throws Exception {
        Map<String, SafeTensors.Entry> refEntries = null;
        byte[] refData = null;
        for (String[] f : files) {
            Path in = fixture(f[0]);
            assertEquals(Format.valueOf(f[2]), Format.detect(in), f[0]);
            Path out = tmp.resolve(f[0] + ".safetensors");
            Converter.Result r = Converter.convert(in, out, Converter.Options.defaults());
            assertEquals(arch, r.arch(), f[0]);
            VggWeights w = VggWeights.load(out);            // the engine accepts it
            assertEquals(arch, w.spec().arch());
            assertEquals(f[1], w.preprocess().id(), f[0] + " preprocess");
            assertTrue(w.source().contains(f[0]), "source names the file: " + w.source());
            Map<String, SafeTensors.Entry> entries;
            try (SafeTensors.Reader rd = SafeTensors.open(out)) {
                entries = rd.entries();
                assertEquals(List.of("arch", "preprocess", "source"), new ArrayList<>(rd.metadata().keySet()));
            }
            byte[] data = Fixtures.dataSection(out);
            if (refEntries == null) {
                refEntries = entries;
                refData = data;
                continue;
            }
            assertEquals(refEntries.keySet(), entries.keySet(), f[0] + " tensor names");
            for (String n : refEntries.keySet()) {
                assertArrayEquals(refEntries.get(n).shape(), entries.get(n).shape(), f[0] + " " + n);
                assertEquals(refEntries.get(n).begin(), entries.get(n).begin(), f[0] + " " + n);
            }
            assertArrayEquals(refData, data, f[0] + ": tensors differ from " + files[0][0] + " (bit for bit)");
            System.out.printf("%-30s -> %d bytes of tensors identical to %s%n", f[0], data.length, files[0][0]);
        }
    }

    @Test
    void formatIsRecognisedFromContentNotExtension() throws Exception {
        Path renamed = tmp.resolve("weights.pth");
        Files.copy(fixture("vgg19_keras.h5"), renamed);
        assertEquals(Format.KERAS_HDF5, Format.detect(renamed));
        Converter.Result r = Converter.convert(renamed, tmp.resolve("out.safetensors"), Converter.Options.defaults());
        assertEquals("vgg19", r.arch());
    }

    @Test
    void fullyConnectedLayersAreDropped() throws Exception {
        Path out = tmp.resolve("o.safetensors");
        Converter.Result r = Converter.convert(fixture("vgg16_keras_full.h5"), out, Converter.Options.defaults());
        try (SafeTensors.Reader rd = SafeTensors.open(out)) {
            assertEquals(26, rd.entries().size());
            assertTrue(rd.entries().keySet().stream().allMatch(n -> n.startsWith("conv")));
        }
        assertEquals(13, r.convLayers());
    }

    /**
     * Relative error allowed between the engine's loss terms and PyTorch's (float32 on both sides). Measured over
     * the six files and four terms: at most 8.3e-7 on the scalar backend (content, caffe) and 1.09e-6 on the SIMD
     * backend (style, torchvision).
     */
    static final double LOSS_RTOL = 2e-6;

    /** The engine's Gatys loss on the converted weights equals PyTorch's on the same narrow VGG19, on every backend. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"vgg19_torchvision_legacy.pth", "vgg19_torchvision_zip.pth", "vgg19_gatys_legacy.pth", "vgg19_keras.h5",
            "vgg19_caffe_v1.caffemodel", "vgg19_matconvnet.mat"})
    void lossMatchesPyTorch(String file) throws Exception {
        Path out = tmp.resolve("w.safetensors");
        Converter.convert(fixture(file), out, Converter.Options.defaults());
        VggWeights w = VggWeights.load(out);
        String mode = w.preprocess().id();
        for (String backendName : TestBackends.names()) {
            try (SafeTensors.Reader g = SafeTensors.open(fixture("loss_vgg19.safetensors"));
                 Backend backend = TestBackends.create(backendName);
                 VggNetwork net = new VggNetwork(backend, w, Pooling.of(g.metadata().get("pooling")))) {
                Map<String, String> m = g.metadata();
                double a = Double.parseDouble(m.get("content_weight")), b = Double.parseDouble(m.get("style_weight")),
                        c = Double.parseDouble(m.get("tv_weight"));
                Objective.Config cfg = new Objective.Config(LayerWeight.parseList(m.get("content_layers"), "content"),
                        LayerWeight.parseList(m.get("style_layers"), "style"), a, b, c);
                try (Objective obj = new Objective(net, cfg, image(g, "input.content"), List.of(image(g, "input.style")), new double[] {1})) {
                    float[] x = g.floats("input.x");
                    LossTerms t = obj.evaluate(x, new float[x.length]);
                    double[][] pairs = {{t.total(), g.scalar("loss.total." + mode)}, {t.content() / a, g.scalar("loss.content." + mode)},
                            {t.style() / b, g.scalar("loss.style." + mode)}, {t.tv() / c, g.scalar("loss.tv." + mode)}};
                    String[] names = {"total", "content", "style", "tv"};
                    for (int k = 0; k < pairs.length; k++) {
                        double rel = Math.abs(pairs[k][0] - pairs[k][1]) / Math.abs(pairs[k][1]);
                        System.out.printf("%-30s %-7s %-11s loss.%-7s engine %.9g  PyTorch %.9g  rel %.2e%n", file, backendName, mode, names[k],
                                pairs[k][0], pairs[k][1], rel);
                        assertTrue(rel < LOSS_RTOL, file + " on " + backendName + " loss." + names[k] + ": engine " + pairs[k][0] + " vs PyTorch "
                                + pairs[k][1] + " (relative " + rel + ", allowed " + LOSS_RTOL + "); " + Fixtures.REGENERATE);
                    }
                }
            }
        }
    }

    private static Image image(SafeTensors.Reader r, String name) {
        SafeTensors.Entry e = r.entry(name);
        return new Image(e.shape()[2], e.shape()[1], r.floats(name));
    }

    @Test
    void preprocessCanBeOverridden() throws Exception {
        Path out = tmp.resolve("o.safetensors");
        Converter.convert(fixture("vgg19_keras.h5"), out, new Converter.Options(null, Preprocess.TORCHVISION, null));
        assertEquals(Preprocess.TORCHVISION, VggWeights.load(out).preprocess());
    }
}
