package nst.engine.loss;

import nst.engine.TestBackends;
import nst.engine.image.Image;
import nst.engine.io.SafeTensors;
import nst.engine.network.ResNetNetwork;
import nst.engine.network.ResNetWeights;
import nst.kernels.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Gatys objective on ResNet-50 against PyTorch autograd (tools/make_resnet_loss_fixture.py: torchvision's
 * layout at 1/16 width, seeded random weights and batch-norm statistics, BN folded into the weights file the
 * engine reads through {@link ResNetWeights#load}, a 71×53 image and a 61×49 style image): activations, Grams,
 * style targets, every loss term and d(loss)/d(image), without and with SWAG's softmax transform, on every backend
 * the suite runs. Prints the max difference of each comparison.
 */
class ResNetLossGoldenTest {
    static final String REGENERATE = "regenerate with '/usr/bin/python3 tools/make_resnet_loss_fixture.py'";
    static SafeTensors.Reader file;
    static ResNetWeights weights;

    @BeforeAll static void load() throws Exception {
        var f = ResNetLossGoldenTest.class.getResource("/golden/resnet50_loss.safetensors");
        var w = ResNetLossGoldenTest.class.getResource("/golden/resnet50_loss_weights.safetensors");
        if (f == null || w == null) throw new IllegalStateException("missing fixture resnet50_loss; " + REGENERATE);
        file = SafeTensors.open(Path.of(f.toURI()));
        weights = ResNetWeights.load(Path.of(w.toURI()));
        assertEquals(SoftmaxTransform.TEMPERATURE, Double.parseDouble(file.metadata().get("temperature")),
                "the fixture's temperature; " + REGENERATE);
    }

    @AfterAll static void close() { file.close(); }

    static Stream<Arguments> cases() {
        return Stream.of(FeatureTransform.NONE, FeatureTransform.SOFTMAX)
                .flatMap(t -> TestBackends.names().stream().map(b -> Arguments.of(t, b)));
    }

    static Image image(String name) {
        int[] s = file.entry(name).shape();
        return new Image(s[2], s[1], file.floats(name));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(FeatureTransform transform, String backendName) {
        var meta = file.metadata();
        double alpha = Double.parseDouble(meta.get("alpha")), beta = Double.parseDouble(meta.get("beta")),
                gamma = Double.parseDouble(meta.get("gamma"));
        List<LayerWeight> content = LayerWeight.parseList(meta.get("content_layers"), "content"),
                style = LayerWeight.parseList(meta.get("style_layers"), "style");
        var cfg = new Objective.Config(content, style, alpha, beta, gamma, false, transform);
        String t = transform.id(), p = "resnet50 " + t + " [" + backendName + "] ";
        try (Backend backend = TestBackends.create(backendName); ResNetNetwork net = new ResNetNetwork(backend, weights);
             Objective obj = new Objective(net, cfg, image("input.content"), List.of(image("input.style")), new double[] {1})) {
            float[] x = file.floats("input.x"), grad = new float[x.length];
            LossTerms terms = obj.evaluate(x, grad);
            for (LayerWeight lw : style) {
                String l = lw.layer();
                GoldenTest.check(p + "act." + l, obj.activation(l), file.floats(t + ".act." + l));
                GoldenTest.check(p + "gram." + l, obj.styleGram(l), file.floats(t + ".gram." + l));
                GoldenTest.check(p + "target." + l, obj.styleTarget(l), file.floats(t + ".target." + l));
            }
            double[] loss = file.doubles(t + ".loss");
            GoldenTest.scalar(p + "loss.content", terms.content(), loss[1]);
            GoldenTest.scalar(p + "loss.style", terms.style(), loss[2]);
            GoldenTest.scalar(p + "loss.tv", terms.tv(), loss[3]);
            GoldenTest.scalar(p + "loss.total", terms.total(), loss[0]);
            GoldenTest.check(p + "grad", grad, file.floats(t + ".grad"));
        }
    }
}
