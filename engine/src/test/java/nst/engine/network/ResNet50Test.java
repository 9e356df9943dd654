package nst.engine.network;

import nst.engine.TestBackends;
import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;
import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ScalarBackend;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ResNet-50 against PyTorch (tools/make_resnet_fixture.py: torchvision's layout at 1/16 width, seeded random
 * weights with random batch-norm statistics folded into the convs, a 67×45 image): every tap's activation,
 * and d(sum of squares of a layer)/d(image) for cuts at several depths and for several taps in one backward
 * pass, on every backend. Plus the layout's names and its errors.
 */
class ResNet50Test {
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_resnet_fixture.py'";

    static SafeTensors.Reader fixture;
    static Map<String, ResNet50.Conv> weights;
    static int base, height, width;

    @BeforeAll static void load() throws Exception {
        var url = ResNet50Test.class.getResource("/golden/resnet50_narrow.safetensors");
        if (url == null) throw new IllegalStateException("missing fixture resnet50_narrow; " + REGENERATE);
        fixture = SafeTensors.open(Path.of(url.toURI()));
        base = Integer.parseInt(fixture.metadata().get("base"));
        height = Integer.parseInt(fixture.metadata().get("height"));
        width = Integer.parseInt(fixture.metadata().get("width"));
        weights = new LinkedHashMap<>();
        for (String n : fixture.entries().keySet())
            if (n.endsWith(".weight")) {
                String conv = n.substring(0, n.length() - ".weight".length());
                weights.put(conv, new ResNet50.Conv(fixture.floats(n), fixture.floats(conv + ".bias")));
            }
    }

    @AfterAll static void close() { fixture.close(); }

    static List<String> backends() { return TestBackends.names(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void everyTapMatchesPyTorch(String backendName) {
        try (Backend backend = TestBackends.create(backendName); ResNet50 net = new ResNet50(backend, base, weights);
             ResNet50.Plan plan = net.plan(height, width, ResNet50.layerIndex("layer4.2"))) {
            backend.upload(plan.input, fixture.floats("input"));
            plan.forward();
            for (String layer : ResNet50.layerNames()) {
                int i = ResNet50.layerIndex(layer);
                int[] shape = fixture.entry("act." + layer).shape();
                assertEquals(List.of(shape[0], shape[1], shape[2]), List.of(plan.channels(i), plan.height(i), plan.width(i)), layer + " shape");
                check(backendName + " act." + layer, plan.tensor(i).download(backend), fixture.floats("act." + layer));
            }
        }
    }

    /** Cut at each layer, the loss Σ act² of that layer alone: d/d(image) as PyTorch computes it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void gradientOfOneLayerAtEachCut(String backendName) {
        for (String layer : List.of("relu", "maxpool", "layer1.0", "layer2.0", "layer3.5", "layer4.2"))
            checkGradient(backendName, layer, Set.of(layer), "grad." + layer);
    }

    /** Three taps (stem, mid, deepest) adding their gradients on one backward pass. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void gradientOfSeveralTapsAtOnce(String backendName) {
        checkGradient(backendName, "layer4.2", Set.of("relu", "layer2.1", "layer4.2"), "grad.sum");
    }

    private void checkGradient(String backendName, String cut, Set<String> taps, String expected) {
        try (Backend backend = TestBackends.create(backendName); ResNet50 net = new ResNet50(backend, base, weights);
             ResNet50.Plan plan = net.plan(height, width, ResNet50.layerIndex(cut))) {
            backend.upload(plan.input, fixture.floats("input"));
            plan.forward();
            Buffer grad = plan.backward((layer, g) -> {          // d Σ a² / d a = 2a
                if (taps.contains(ResNet50.layerNames().get(layer))) backend.addScaled(g, plan.activation(layer), 2f, plan.size(layer));
            });
            check(backendName + " " + expected + " (cut " + cut + ")", Tensor.download(backend, grad, 3 * height * width),
                    fixture.floats(expected));
        }
    }

    private static void check(String label, float[] actual, float[] expected) {
        Tolerance.golden(expected).assertClose(label, actual, expected, REGENERATE);
    }

    @Test void layerNamesFollowTorchvision() {
        List<String> names = ResNet50.layerNames();
        assertEquals(18, names.size());
        assertEquals(List.of("relu", "maxpool", "layer1.0"), names.subList(0, 3));
        assertEquals(List.of("layer3.5", "layer4.0", "layer4.1", "layer4.2"), names.subList(14, 18));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNet50.layerIndex("layer4.3"));
        assertTrue(e.getMessage().startsWith("ResNet-50 has no layer 'layer4.3'; layers: relu, maxpool, layer1.0,"), e.getMessage());
    }

    @Test void weightsOfTheWrongShapeOrNameAreRejected() {
        try (Backend b = new ScalarBackend()) {
            Map<String, ResNet50.Conv> bad = new LinkedHashMap<>(weights);
            bad.put("layer2.0.conv2", new ResNet50.Conv(new float[7], new float[8]));
            WeightsException e = assertThrows(WeightsException.class, () -> new ResNet50(b, base, bad));
            assertEquals("ResNet-50 conv layer2.0.conv2 (stem width 4) needs weight 8x8x3x3 and bias 8, got 7 and 8 floats", e.getMessage());
            Map<String, ResNet50.Conv> extra = new LinkedHashMap<>(weights);
            extra.put("fc", new ResNet50.Conv(new float[1], new float[1]));
            e = assertThrows(WeightsException.class, () -> new ResNet50(b, base, extra));
            assertEquals("ResNet-50 has no conv named 'fc'", e.getMessage());
        }
    }

    @Test void aPlanNeedsEveryConvUpToItsCut() {
        try (Backend b = new ScalarBackend()) {
            Map<String, ResNet50.Conv> upToLayer1 = new LinkedHashMap<>();
            weights.forEach((k, v) -> { if (k.equals("conv1") || k.startsWith("layer1.")) upToLayer1.put(k, v); });
            try (ResNet50 net = new ResNet50(b, base, upToLayer1)) {
                net.plan(height, width, ResNet50.layerIndex("layer1.2")).close();
                WeightsException e = assertThrows(WeightsException.class, () -> net.plan(height, width, ResNet50.layerIndex("layer2.0")));
                assertEquals("ResNet-50 weights do not include layer2.0.conv1, needed up to layer2.0", e.getMessage());
            }
        }
    }

    /** A 1×1 image still runs: every stride-2 stage maps 1 pixel to 1 (padding keeps each window non-empty). */
    @Test void tinyImagesRunToTheDeepestLayer() {
        try (Backend b = new ScalarBackend(); ResNet50 net = new ResNet50(b, base, weights);
             ResNet50.Plan plan = net.plan(1, 1, ResNet50.layerIndex("layer4.2"))) {
            plan.forward();
            assertEquals(1, plan.height(ResNet50.layerIndex("layer4.2")));
            assertEquals(8 * base * 4, plan.channels(ResNet50.layerIndex("layer4.2")));
        }
    }
}
