package nst.engine;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.io.AtomicFiles;
import nst.engine.io.SafeTensors;
import nst.engine.loss.LayerWeight;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every kind of bad input gets an error that names the file, tensor, key or option at fault. */
class BadInputTest {
    @TempDir Path dir;

    static <T extends Throwable> String message(Class<T> type, org.junit.jupiter.api.function.Executable e) {
        return assertThrows(type, e).getMessage();
    }

    @Test void missingImageFile() {
        Path p = dir.resolve("nope.jpg");
        String m = message(NstException.class, () -> Images.read(p));
        assertTrue(m.contains("not found") && m.contains("nope.jpg"), m);
    }

    @Test void nonImageFile() throws IOException {
        Path p = Files.writeString(dir.resolve("notes.png"), "this is text, not a PNG");
        String m = message(NstException.class, () -> Images.read(p));
        assertTrue(m.contains("notes.png") && m.contains("not an image"), m);
    }

    @Test void unreadableImageFile() throws IOException {
        Path p = Files.createDirectory(dir.resolve("folder.jpg"));
        String m = message(NstException.class, () -> Images.read(p));
        assertTrue(m.contains("folder.jpg"), m);
    }

    @Test void unknownLayerListsTheValidOnes() {
        StyleOptions o = StyleOptions.builder().content(Image.blank(8, 8)).style(Image.blank(8, 8)).contentLayers("relu4_9").build();
        String m = message(NstException.class, o::validate);
        assertTrue(m.startsWith("content-layers: unknown layer 'relu4_9'"), m);
        assertTrue(m.contains("relu4_2") && m.contains("pool5") && m.contains("conv1_1"), m);
        o = StyleOptions.builder().content(Image.blank(8, 8)).style(Image.blank(8, 8)).model("vgg16").styleLayers("relu1_1,relu5_4").build();
        m = message(NstException.class, o::validate);
        assertTrue(m.startsWith("style-layers: ") && m.contains("relu5_4") && m.contains("vgg16"), m);
    }

    /** Issue 13: a layer list repeating one layer 20,000 times was accepted and cost 20,000 loss terms per evaluation. */
    @Test void repeatedOrTooManyLayersAreRefused() {
        StyleOptions o = StyleOptions.builder().content(Image.blank(8, 8)).style(Image.blank(8, 8))
                .styleLayers("relu1_1,relu2_1,relu1_1:3").build();
        String m = message(NstException.class, o::validate);
        assertEquals("style-layers: relu1_1 is given more than once; give each layer once, with a weight (relu1_1:2)", m);
        o = StyleOptions.builder().content(Image.blank(8, 8)).style(Image.blank(8, 8))
                .contentLayers(String.join(",", java.util.Collections.nCopies(20_000, "relu4_2"))).build();
        m = message(NstException.class, o::validate);
        assertEquals("content-layers: at most " + VggSpec.of("vgg19").layers().size() + " layers (the layers of the network), got 20000", m);
    }

    @Test void badOptionValuesNameTheOption() {
        StyleOptions.Builder b = StyleOptions.builder().content(Image.blank(8, 8)).style(Image.blank(8, 8));
        assertEquals("size must be at least 16 pixels, got 3", message(OptionException.class, () -> b.size(3).build().validate()));
        assertEquals("iterations must be at least 0, got -1", message(OptionException.class, () -> b.size(64).iterations(-1).build().validate()));
        assertEquals("optimizer: unknown value 'sgd'; known: lbfgs, adam",
                message(OptionException.class, () -> b.iterations(5).optimizer("sgd").build().validate()));
        assertEquals("style-weight must be a finite number, got NaN",
                message(OptionException.class, () -> b.optimizer("lbfgs").styleWeight(Double.NaN).build().validate()));
        assertEquals("style-blend has 2 weights for 1 style images", message(OptionException.class, () -> b.styleWeight(1).styleBlend(1, 2).build().validate()));
        assertEquals("pooling: unknown value 'median'; known: max, avg", message(OptionException.class, () -> Pooling.of("median")));
        assertEquals("init: unknown value 'zeros'; known: content, style, noise, adain", message(OptionException.class, () -> StyleOptions.Init.of("zeros")));
        assertEquals("style-layers: layer weight in 'relu1_1:x' is not a number",
                message(OptionException.class, () -> TransferOption.STYLE_LAYERS.parseLayers("relu1_1:x")));
    }

    // ---------------------------------------------------------------- weights files

    Path saveRandom(String name, VggSpec spec) throws IOException {
        Path p = dir.resolve(name);
        VggWeights.random(spec, 1, Preprocess.TORCHVISION).save(p);
        return p;
    }

    /** Rewrites a weights file with the tensors and metadata changed by {@code edit}. */
    Path rewrite(Path src, String name, java.util.function.BiConsumer<Map<String, float[]>, Map<String, int[]>> edit,
                 Map<String, String> meta) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        try (SafeTensors.Reader r = SafeTensors.open(src)) {
            for (String n : r.entries().keySet()) {
                data.put(n, r.floats(n));
                shapes.put(n, r.entry(n).shape());
            }
        }
        edit.accept(data, shapes);
        Path out = dir.resolve(name);
        SafeTensors.write(out, meta, data, shapes);
        return out;
    }

    static Map<String, String> meta(String arch) { return Map.of("arch", arch, "preprocess", "torchvision", "source", "test"); }

    @Test void weightsRoundTrip() throws IOException {
        VggSpec spec = VggSpec.vgg16().withWidths(2, 3, 4, 5, 6);
        Path p = saveRandom("ok.safetensors", spec);
        VggWeights w = VggWeights.load(p);
        assertEquals("vgg16", w.spec().arch());
        assertArrayEquals(spec.widths(), w.spec().widths());
        assertArrayEquals(VggWeights.random(spec, 1, Preprocess.TORCHVISION).conv("conv3_3").weight(), w.conv("conv3_3").weight());
    }

    @Test void weightsWithMissingTensors() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg19().withWidths(2, 2, 2, 2, 2));
        Path bad = rewrite(ok, "missing.safetensors", (d, s) -> { d.remove("conv3_4.weight"); s.remove("conv3_4.weight"); }, meta("vgg19"));
        String m = message(WeightsException.class, () -> VggWeights.load(bad));
        assertTrue(m.contains("missing.safetensors") && m.contains("conv3_4.weight"), m);
    }

    @Test void weightsWithMisShapedTensor() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg19().withWidths(2, 2, 2, 2, 2));
        Path bad = rewrite(ok, "shape.safetensors", (d, s) -> { d.put("conv2_2.bias", new float[3]); s.put("conv2_2.bias", new int[] {3}); }, meta("vgg19"));
        String m = message(WeightsException.class, () -> VggWeights.load(bad));
        assertTrue(m.contains("conv2_2.bias") && m.contains("[3]") && m.contains("expected [2]"), m);
    }

    @Test void vgg16FileWhereVgg19IsDeclared() throws IOException {
        Path ok = saveRandom("v16.safetensors", VggSpec.vgg16().withWidths(2, 2, 2, 2, 2));
        Path bad = rewrite(ok, "lying.safetensors", (d, s) -> {}, meta("vgg19"));
        String m = message(WeightsException.class, () -> VggWeights.load(bad));
        assertTrue(m.contains("missing tensors for vgg19") && m.contains("conv3_4.weight"), m);
    }

    @Test void weightsWithNaN() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg16().withWidths(2, 2, 2, 2, 2));
        Path bad = rewrite(ok, "nan.safetensors", (d, s) -> d.get("conv1_2.weight")[5] = Float.NaN, meta("vgg16"));
        String m = message(WeightsException.class, () -> VggWeights.load(bad));
        assertTrue(m.contains("conv1_2.weight") && m.contains("non-finite") && m.contains("index 5"), m);
    }

    @Test void unknownAndMissingMetadata() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg16().withWidths(2, 2, 2, 2, 2));
        Map<String, String> extra = new LinkedHashMap<>(meta("vgg16"));
        extra.put("format", "pt");
        Path unknown = rewrite(ok, "unknown.safetensors", (d, s) -> {}, extra);
        assertTrue(message(WeightsException.class, () -> VggWeights.load(unknown)).contains("unknown metadata key 'format'"));
        Path missing = rewrite(ok, "nometa.safetensors", (d, s) -> {}, Map.of("arch", "vgg16", "source", "x"));
        assertTrue(message(WeightsException.class, () -> VggWeights.load(missing)).contains("missing metadata key 'preprocess'"));
        Path badArch = rewrite(ok, "arch.safetensors", (d, s) -> {}, Map.of("arch", "resnet50", "preprocess", "caffe", "source", "x"));
        String m = message(WeightsException.class, () -> VggWeights.load(badArch));
        assertTrue(m.contains("'arch'") && m.contains("resnet50"), m);
    }

    @Test void unexpectedTensor() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg16().withWidths(2, 2, 2, 2, 2));
        Path bad = rewrite(ok, "fc.safetensors", (d, s) -> { d.put("fc6.weight", new float[4]); s.put("fc6.weight", new int[] {2, 2}); }, meta("vgg16"));
        assertTrue(message(WeightsException.class, () -> VggWeights.load(bad)).contains("unexpected tensor 'fc6.weight'"));
    }

    @Test void truncatedAndGarbageFiles() throws IOException {
        Path ok = saveRandom("ok.safetensors", VggSpec.vgg16().withWidths(2, 2, 2, 2, 2));
        byte[] all = Files.readAllBytes(ok);
        Path cut = Files.write(dir.resolve("cut.safetensors"), java.util.Arrays.copyOf(all, all.length - 10));
        String m = message(WeightsException.class, () -> VggWeights.load(cut));
        assertTrue(m.contains("cut.safetensors") && m.contains("truncated"), m);
        Path text = Files.writeString(dir.resolve("text.safetensors"), "hello world, not tensors");
        assertTrue(message(WeightsException.class, () -> VggWeights.load(text)).contains("not a safetensors file"));
        ByteBuffer hdr = ByteBuffer.allocate(8 + 5).order(ByteOrder.LITTLE_ENDIAN).putLong(5).put("{oops".getBytes(StandardCharsets.UTF_8));
        Path json = Files.write(dir.resolve("json.safetensors"), hdr.array());
        assertTrue(message(WeightsException.class, () -> VggWeights.load(json)).contains("not JSON"));
        assertTrue(message(WeightsException.class, () -> VggWeights.load(dir.resolve("absent.safetensors"))).contains("not found"));
    }

    @Test void failedWriteLeavesNoPartialFile() throws IOException {
        Path out = dir.resolve("partial.safetensors");
        assertThrows(IOException.class, () -> SafeTensors.write(out, Map.of(), List.of(new SafeTensors.TensorSpec("a", new int[] {4})),
                spec -> { throw new IOException("disk full (simulated)"); }));
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "temporary file left behind");
        }
    }

    @Test void outputDirectoryNotWritable() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        String m = message(NstException.class, () -> AtomicFiles.checkWritable(file.resolve("out.png")));
        assertTrue(m.contains("out.png") && m.contains("not writable"), m);
    }

    @Test void imageTooSmallForTheLayers() {
        VggWeights w = VggWeights.random(VggSpec.vgg19().withWidths(2, 2, 2, 2, 2), 1, Preprocess.TORCHVISION);
        try (var b = new nst.kernels.ScalarBackend(); VggNetwork net = new VggNetwork(b, w, Pooling.MAX)) {
            String m = message(NstException.class, () -> net.plan(12, 40, net.spec().indexOf("relu5_1"), java.util.Set.of()));
            assertTrue(m.contains("too small") && m.contains("pool4"), m);
        }
    }
}
