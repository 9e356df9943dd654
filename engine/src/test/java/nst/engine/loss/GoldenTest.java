package nst.engine.loss;

import nst.engine.Golden;
import nst.engine.TestBackends;
import nst.engine.network.VggNetwork;
import nst.kernels.Backend;
import nst.kernels.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * The engine against PyTorch: every activation, Gram, loss term and gradient of the golden fixtures
 * ({@code /usr/bin/python3 tools/make_fixtures.py} from the repository root), on every backend the suite runs ({@link TestBackends}). Prints the max
 * difference of each comparison.
 */
class GoldenTest {

    static Stream<Arguments> cases() {
        return Golden.ALL.stream().flatMap(f -> TestBackends.names().stream().map(b -> Arguments.of(f, b)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String fixture, String backendName) {
        try (Golden g = new Golden(fixture); Backend backend = TestBackends.create(backendName);
             VggNetwork net = new VggNetwork(backend, g.weights, g.pooling());
             Objective obj = new Objective(net, g.config(g.alpha(), g.beta(), g.gamma()), g.image("input.content"), g.styles(), g.blend())) {
            float[] x = g.file.floats("input.x");
            float[] grad = new float[x.length];
            LossTerms t = obj.evaluate(x, grad);
            String p = fixture + " [" + backendName + "] ";

            for (LayerWeight l : g.contentLayers()) {
                check(p + "act.content." + l.layer(), obj.contentTarget(l.layer()), g.file.floats("act.content." + l.layer()));
                check(p + "act.x." + l.layer(), obj.activation(l.layer()), g.file.floats("act.x." + l.layer()));
            }
            List<LayerWeight> style = g.styleLayers();
            double[] perLayer = obj.styleLayerLosses();
            for (int j = 0; j < style.size(); j++) {
                String l = style.get(j).layer();
                check(p + "act.x." + l, obj.activation(l), g.file.floats("act.x." + l));
                check(p + "gram.x." + l, obj.styleGram(l), g.file.floats("gram.x." + l));
                check(p + "gram.target." + l, obj.styleTarget(l), g.file.floats("gram.target." + l));
                scalar(p + "loss.style." + l, perLayer[j], g.file.scalar("loss.style." + l));
            }
            scalar(p + "loss.content", t.content() / g.alpha(), g.file.scalar("loss.content"));
            scalar(p + "loss.style", t.style() / g.beta(), g.file.scalar("loss.style"));
            scalar(p + "loss.tv", t.tv() / g.gamma(), g.file.scalar("loss.tv"));
            scalar(p + "loss.total", t.total(), g.file.scalar("loss.total"));
            check(p + "grad.total", grad, g.file.floats("grad.total"));
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void gradientOfEachTermMatchesPyTorch(String fixture, String backendName) {
        try (Golden g = new Golden(fixture); Backend backend = TestBackends.create(backendName);
             VggNetwork net = new VggNetwork(backend, g.weights, g.pooling())) {
            float[] x = g.file.floats("input.x");
            double[][] weights = {{g.alpha(), 0, 0}, {0, g.beta(), 0}, {0, 0, g.gamma()}};
            String[] names = {"grad.content", "grad.style", "grad.tv"};
            for (int k = 0; k < 3; k++) {
                try (Objective obj = new Objective(net, g.config(weights[k][0], weights[k][1], weights[k][2]),
                        g.image("input.content"), g.styles(), g.blend())) {
                    float[] grad = new float[x.length];
                    obj.evaluate(x, grad);
                    check(fixture + " [" + backendName + "] " + names[k], grad, g.file.floats(names[k]));
                }
            }
        }
    }

    static void check(String label, float[] actual, float[] expected) {
        Tolerance tol = Tolerance.golden(expected);
        System.out.printf("%-55s max|diff| %.3e  (max|expected| %.3e)  first %s vs %s%n", label,
                Tolerance.maxAbsDiff(actual, expected), maxAbs(expected), actual.length > 0 ? actual[0] : 0, expected.length > 0 ? expected[0] : 0);
        tol.assertClose(label, actual, expected, Golden.REGENERATE);
    }

    static void scalar(String label, double actual, double expected) {
        System.out.printf("%-55s %.9g vs %.9g  rel %.2e%n", label, actual, expected, Math.abs(actual - expected) / Math.abs(expected));
        new Tolerance("loss term vs PyTorch", 1e-9, 1e-4).assertClose(label, actual, expected);
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }
}
