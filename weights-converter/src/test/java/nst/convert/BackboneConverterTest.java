package nst.convert;

import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.engine.network.ResNet50;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static nst.convert.Fixtures.assertEmpty;
import static nst.convert.Fixtures.assertMessageNames;
import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdaIN (issue 15) and ResNet-50 (issue 16) conversions against what PyTorch / NumPy wrote
 * ({@code /usr/bin/python3 tools/make_backbone_weight_fixtures.py}): AdaIN's vgg_normalised.pth and decoder.pth in
 * both torch.save containers and either argument order give PyTorch's tensors bit for bit; torchvision ResNet-50
 * state dicts in the zip, legacy and tar containers and Keras' ResNet50 HDF5 layout give the folded convs the
 * script computed (batch norm folded, float32), and the engine's ResNet50 accepts every name and shape. Plus the
 * mix-ups: one AdaIN half alone, two of the same, a ResNet where a VGG is asked and the reverse.
 */
class BackboneConverterTest {

    @TempDir Path tmp;

    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_backbone_weight_fixtures.py'";

    /** Largest |converted − expected| over every tensor; names and shapes must agree exactly. */
    private static double compare(Path out, Path expected) {
        double worst = 0;
        try (SafeTensors.Reader a = SafeTensors.open(out); SafeTensors.Reader b = SafeTensors.open(expected)) {
            assertEquals(b.entries().keySet(), a.entries().keySet(), "tensor names; " + REGENERATE);
            for (String n : b.entries().keySet()) {
                assertArrayEquals(b.entry(n).shape(), a.entry(n).shape(), n);
                float[] x = a.floats(n), y = b.floats(n);
                for (int i = 0; i < x.length; i++) {
                    double d = Math.abs(x[i] - y[i]);
                    if (d > worst) worst = d;
                    assertTrue(d <= 2e-7 * Math.max(1, Math.abs(y[i])), n + "[" + i + "]: converted " + x[i] + ", PyTorch " + y[i] + "; " + REGENERATE);
                }
            }
        }
        return worst;
    }

    private static Map<String, String> meta(Path p) {
        try (SafeTensors.Reader r = SafeTensors.open(p)) {
            return r.metadata();
        }
    }

    private static Converter.Result convert(Path out, String arch, Path... ins) throws Exception {
        return Converter.convert(List.of(ins), a -> out, new Converter.Options(arch, null, null));
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({"adain_vgg_normalised_legacy.pth, adain_decoder_legacy.pth", "adain_decoder_zip.pth, adain_vgg_normalised_zip.pth",
            "adain_decoder_legacy.pth, adain_vgg_normalised_zip.pth", "adain_vgg_normalised_zip.pth, adain_decoder_legacy.pth"})
    void adainBothContainersEitherOrder(String a, String b) throws Exception {
        Path out = tmp.resolve("adain.safetensors");
        Converter.Result r = convert(out, null, fixture(a), fixture(b));
        assertEquals("adain", r.arch());
        assertEquals(17 + 9, r.convLayers());
        double worst = compare(out, fixture("adain_expected.safetensors"));
        assertEquals(0.0, worst, "AdaIN tensors are copied, not computed: bit for bit");
        Map<String, String> m = meta(out);
        assertEquals("adain", m.get("arch"));
        assertEquals("none", m.get("preprocess"));
        assertTrue(m.get("source").contains("adain_vgg_normalised") && m.get("source").contains("adain_decoder"), m.get("source"));
        try (SafeTensors.Reader rd = SafeTensors.open(out)) {
            assertArrayEquals(new int[] {3, 3, 1, 1}, rd.entry("encoder.0.weight").shape());
            assertArrayEquals(new int[] {3}, rd.entry("decoder.28.bias").shape());
        }
    }

    @Test
    void adainHalvesAloneOrTwiceAreClearErrors() {
        Path dir = tmp.resolve("o");
        Path out = dir.resolve("adain.safetensors");
        record Case(String expect, Path[] in) {}
        List<Case> cases = List.of(
                new Case("an AdaIN decoder without its encoder", new Path[] {fixture("adain_decoder_zip.pth")}),
                new Case("an AdaIN encoder (vgg_normalised.pth) without its decoder", new Path[] {fixture("adain_vgg_normalised_legacy.pth")}),
                new Case("two AdaIN decoders", new Path[] {fixture("adain_decoder_zip.pth"), fixture("adain_decoder_legacy.pth")}),
                new Case("two AdaIN encoders", new Path[] {fixture("adain_vgg_normalised_zip.pth"), fixture("adain_vgg_normalised_legacy.pth")}),
                new Case("holds ResNet-50 weights", new Path[] {fixture("adain_decoder_zip.pth"), fixture("resnet50_tv_zip.pth")}),
                new Case("holds VGG19 weights", new Path[] {fixture("vgg19_torchvision_zip.pth"), fixture("adain_decoder_zip.pth")}));
        for (Case c : cases) {
            WeightsException e = assertThrows(WeightsException.class, () -> {
                Files.createDirectories(dir);
                convert(out, null, c.in());
            }, c.expect());
            assertMessageNames(e, c.expect());
            System.out.println("refused: " + e.getMessage());
        }
        WeightsException asked = assertThrows(WeightsException.class,
                () -> convert(out, "vgg19", fixture("adain_vgg_normalised_zip.pth"), fixture("adain_decoder_zip.pth")));
        assertMessageNames(asked, "holds AdaIN weights, but vgg19 was asked");
        WeightsException pre = assertThrows(WeightsException.class, () -> Converter.convert(
                List.of(fixture("adain_vgg_normalised_zip.pth"), fixture("adain_decoder_zip.pth")), a -> out,
                new Converter.Options(null, nst.engine.network.Preprocess.CAFFE, null)));
        assertMessageNames(pre, "--preprocess does not apply to AdaIN");
        try {
            assertEmpty(dir);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"resnet50_tv_zip.pth, PYTORCH_ZIP, 53", "resnet50_tv_legacy.pth, PYTORCH_LEGACY, 53", "resnet50_tv_tar.pth, PYTORCH_TAR, 0"})
    void torchvisionResNetFoldsAsPyTorch(String file, String format, int counters) throws Exception {
        Path in = fixture(file);
        assertEquals(Format.valueOf(format), Format.detect(in));
        Path out = tmp.resolve("resnet50.safetensors");
        Converter.Result r = convert(out, null, in);
        assertEquals("resnet50", r.arch());
        assertEquals(53, r.convLayers());
        double worst = compare(out, fixture("resnet50_tv_folded.safetensors"));
        System.out.printf("%-24s folded convs vs PyTorch: max |diff| %.3g; notes %s%n", file, worst, r.notes());
        assertEquals(0.0, worst, "the fold runs in float32 in PyTorch's order: bit for bit");
        Map<String, String> m = meta(out);
        assertEquals("torchvision", m.get("preprocess"));
        assertEquals(List.of("arch", "preprocess", "source"), List.copyOf(m.keySet()), "torchvision's v1.5 is the default: exactly the contract's keys");
        assertTrue(m.get("source").contains(file), m.get("source"));
        assertTrue(r.notes().contains("dropped the classifier fc (style transfer uses the trunk only)"), r.notes().toString());
        assertEquals(counters > 0, r.notes().contains("dropped " + counters + " num_batches_tracked counters"), r.notes().toString());
        engineAccepts(out, 4);
    }

    @Test
    void kerasResNetFoldsAsNumPy() throws Exception {
        Path in = fixture("resnet50_keras_notop.h5");
        Path out = tmp.resolve("resnet50.safetensors");
        Converter.Result r = convert(out, "resnet50", in);
        double worst = compare(out, fixture("resnet50_keras_folded.safetensors"));
        System.out.printf("resnet50_keras_notop.h5 folded convs vs NumPy: max |diff| %.3g%n", worst);
        assertEquals(0.0, worst, "the fold runs in float32 in NumPy's order: bit for bit");
        Map<String, String> m = meta(out);
        assertEquals("resnet50", m.get("arch"));
        assertEquals("caffe", m.get("preprocess"));
        assertEquals("v1", m.get("variant"), "Keras' ResNet50 is v1: its stride sits on the first 1x1 conv");
        assertEquals(53, r.convLayers());
        engineAccepts(out, 4);
    }

    /** The engine's ResNet50 takes every converted conv under its name and shape, and plans the whole trunk. */
    private static void engineAccepts(Path file, int base) {
        Map<String, ResNet50.Conv> w = new LinkedHashMap<>();
        try (SafeTensors.Reader r = SafeTensors.open(file)) {
            for (String n : r.entries().keySet())
                if (n.endsWith(".weight")) {
                    String c = n.substring(0, n.length() - 7);
                    w.put(c, new ResNet50.Conv(r.floats(n), r.floats(c + ".bias")));
                }
        }
        try (ScalarBackend b = new ScalarBackend(); ResNet50 net = new ResNet50(b, base, w);
             ResNet50.Plan p = net.plan(35, 33, ResNet50.layerIndex("layer4.2"))) {
            assertEquals(ResNet50.layerIndex("layer4.2"), p.last);
        }
    }

    @Test
    void resNetAndVggAreNotMistakenForEachOther() throws Exception {
        Path dir = tmp.resolve("o");
        Files.createDirectories(dir);
        Path out = dir.resolve("w.safetensors");
        for (String f : List.of("resnet50_tv_zip.pth", "resnet50_tv_tar.pth", "resnet50_keras_notop.h5")) {
            WeightsException e = assertThrows(WeightsException.class, () -> convert(out, "vgg19", fixture(f)));
            assertMessageNames(e, "holds ResNet-50 weights, but vgg19 was asked");
        }
        for (String f : List.of("vgg19_torchvision_zip.pth", "vgg19_keras.h5")) {
            WeightsException e = assertThrows(WeightsException.class, () -> convert(out, "resnet50", fixture(f)));
            assertMessageNames(e, "holds VGG19 weights, but resnet50 was asked");
        }
        WeightsException two = assertThrows(WeightsException.class, () -> convert(out, null, fixture("resnet50_tv_zip.pth"), fixture("resnet50_tv_legacy.pth")));
        assertMessageNames(two, "two inputs are for AdaIN only");
        assertEmpty(dir);
    }

    @Test
    void truncatedOrCorruptTarContainerIsOneLineError() throws Exception {
        byte[] all = Files.readAllBytes(fixture("resnet50_tv_tar.pth"));
        Path cut = tmp.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        Path out = tmp.resolve("o").resolve("w.safetensors");
        Files.createDirectories(out.getParent());
        WeightsException e1 = assertThrows(WeightsException.class, () -> convert(out, null, cut));
        assertMessageNames(e1, cut.toString());
        System.out.println("refused: " + e1.getMessage());
        byte[] bad = all.clone();
        for (int i = 124; i < 135; i++) bad[i] = '7';           // first entry's size: 8 GiB
        Path big = tmp.resolve("big.pth");
        Files.write(big, bad);
        WeightsException e2 = assertThrows(WeightsException.class, () -> convert(out, null, big));
        assertMessageNames(e2, "truncated tar archive");
        assertEmpty(out.getParent());
    }

    // ------------------------------------------------------------------ hand-made hostile tar containers

    /** A ustar archive of the given entries (name → bytes). */
    private static byte[] tar(Map<String, byte[]> entries) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (var e : entries.entrySet()) {
            byte[] h = new byte[512];
            byte[] name = e.getKey().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, h, 0, name.length);
            byte[] size = String.format("%011o", e.getValue().length).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(size, 0, h, 124, 11);
            h[156] = '0';
            System.arraycopy("ustar".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 257, 5);
            out.writeBytes(h);
            out.writeBytes(e.getValue());
            out.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static byte[] b(String latin1) { return latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); }

    private static byte[] le64(long v) { return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    /** Pickles (protocol 2): 1; (1, 'cpu', torch.FloatStorage); []. */
    private static final byte[] ONE = b("\u0080\u0002K\u0001."), EMPTY_LIST = b("\u0080\u0002]."),
            STORAGE_RECORD = b("\u0080\u0002K\u0001X\u0003\u0000\u0000\u0000cpuctorch\nFloatStorage\n\u0087."),
            TENSOR_RECORD = b("\u0080\u0002K\u0007K\u0001ctorch\nFloatTensor\n\u0087.");

    @Test
    void hostileTarContainersAreRefusedBeforeAllocating() throws Exception {
        byte[] storages = cat(ONE, STORAGE_RECORD, le64(4), new byte[16], EMPTY_LIST);
        byte[] tensors = cat(ONE, TENSOR_RECORD, b("\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000"), le64(4), le64(1), le64(0));
        byte[] pickle = b("\u0080\u0002}q\u0000X\u0001\u0000\u0000\u0000wq\u0001X\u0001\u0000\u0000\u00007q\u0002Qs.");
        Map<String, String> cases = new LinkedHashMap<>();
        Map<String, byte[]> ok = new LinkedHashMap<>(Map.of());
        ok.put("storages", storages);
        ok.put("tensors", tensors);
        ok.put("pickle", pickle);
        // sanity: the well-formed archive parses (and is refused only as no known network)
        Path good = tmp.resolve("good.pth");
        Files.write(good, tar(ok));
        assertEquals(Format.PYTORCH_TAR, Format.detect(good));
        WeightsException g = assertThrows(WeightsException.class, () -> convert(tmp.resolve("x.safetensors"), null, good));
        assertMessageNames(g, "no VGG conv layers");

        Map<String, byte[]> huge = new LinkedHashMap<>(ok);
        huge.put("storages", cat(ONE, STORAGE_RECORD, le64(1L << 40), new byte[16], EMPTY_LIST));
        Map<String, byte[]> rank = new LinkedHashMap<>(ok);
        rank.put("tensors", cat(ONE, TENSOR_RECORD, b("\u00e8\u0003\u0000\u0000\u0000\u0000\u0000\u0000")));
        Map<String, byte[]> evil = new LinkedHashMap<>(ok);
        evil.put("storages", cat(ONE, b("\u0080\u0002cposix\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R.")));
        Map<String, byte[]> count = new LinkedHashMap<>(ok);
        count.put("tensors", cat(b("\u0080\u0002J\u00ff\u00ff\u00ff\u007f."), TENSOR_RECORD));
        Map<String, byte[]> missing = new LinkedHashMap<>(ok);
        missing.remove("tensors");
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        all.put("declares 1099511627776 elements", huge);
        all.put("a tensor of 1000 dimensions", rank);
        all.put("refused global posix.system", evil);
        all.put("implausible number of tensors", count);
        all.put("without the entry 'tensors'", missing);
        for (var e : all.entrySet()) {
            Path f = tmp.resolve("hostile.pth");
            Files.write(f, tar(e.getValue()));
            WeightsException ex = assertThrows(WeightsException.class, () -> convert(tmp.resolve("x.safetensors"), null, f), e.getKey());
            assertMessageNames(ex, e.getKey());
            System.out.println("refused: " + ex.getMessage());
        }
        assertTrue(cases.isEmpty());
    }
}
