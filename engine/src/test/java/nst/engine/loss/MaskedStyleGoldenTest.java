package nst.engine.loss;

import nst.engine.Golden;
import nst.engine.TestBackends;
import nst.engine.network.VggNetwork;
import nst.kernels.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The masked (guided Gram) style loss and its gradient against PyTorch autograd through ReLUs and max
 * pooling (fixture from {@code /usr/bin/python3 tools/make_masked_fixture.py}, run from the repository root), on every backend the suite runs. Leaves out the
 * content and TV terms (GoldenTest).
 */
class MaskedStyleGoldenTest {
    /** This fixture's own script (Golden.REGENERATE names the other goldens' one). */
    static final String REGENERATE = "fixture from PyTorch: regenerate with '/usr/bin/python3 tools/make_masked_fixture.py' (needs python3-torch)";

    static List<String> backends() { return TestBackends.names(); }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("backends")
    void maskedStyleLossMatchesPyTorch(String backendName) {
        try (Golden g = new Golden("masked_vgg19_max"); Backend backend = TestBackends.create(backendName);
             VggNetwork net = new VggNetwork(backend, g.weights, g.pooling());
             Objective obj = new Objective(net, new Objective.Config(List.of(), g.styleLayers(), 0, 1, 0),
                     g.image("input.x"), g.styles(), g.blend(), List.of(g.image("input.mask0"), g.image("input.mask1")))) {
            float[] x = g.file.floats("input.x"), grad = new float[x.length];
            LossTerms t = obj.evaluate(x, grad);
            double expect = g.file.scalar("loss.style");
            float[] ge = g.file.floats("grad.style");
            double max = 0, diff = 0;
            for (int i = 0; i < ge.length; i++) { max = Math.max(max, Math.abs(ge[i])); diff = Math.max(diff, Math.abs(ge[i] - grad[i])); }
            System.out.printf("masked style [%s]: loss %.9g vs torch %.9g (rel %.2e); grad max|diff| %.2e of %.2e%n", backendName,
                    t.style(), expect, Math.abs(t.style() - expect) / expect, diff, max);
            assertTrue(Math.abs(t.style() - expect) <= 1e-5 * expect, "loss; " + REGENERATE);
            assertTrue(diff <= 1e-4 * max, "gradient; " + REGENERATE);
        }
    }
}
