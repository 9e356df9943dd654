package nst.engine.optim;

import nst.engine.Golden;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import nst.engine.network.VggNetwork;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Adam against torch.optim.Adam on the style-transfer problem of the vgg19_max_torchvision golden (its Adam
 * record, written by '/usr/bin/python3 tools/make_fixtures.py'): same start (the content image), learning
 * rate, betas and eps, and every one of the steps' losses must follow torch's.
 */
class AdamTest {

    /**
     * The loss before each step, ours against torch's. Both evaluate the same float32 objective (GoldenTest:
     * relative differences ~1e-6) and apply the same update; the updates' own rounding differs (ours in double),
     * and Adam's m/√v divides small gradients by their own size, so differences grow along the trajectory but
     * stay far below what a wrong update would give (a wrong bias correction or beta changes losses by
     * percents within a few steps): relative 1e-5 at every step (measured: at most 4e-7).
     */
    @Test void followsTorchAdamOnStyleTransfer() {
        try (Golden g = new Golden("vgg19_max_torchvision"); ScalarBackend backend = new ScalarBackend();
             VggNetwork net = new VggNetwork(backend, g.weights, g.pooling());
             Objective obj = new Objective(net, g.config(g.alpha(), g.beta(), g.gamma()), g.image("input.content"), g.styles(), g.blend())) {
            double[] torch = g.file.doubles("adam.losses");
            String[] betas = g.meta.get("adam_betas").split(",");
            Adam adam = new Adam(Double.parseDouble(g.meta.get("adam_lr")), Double.parseDouble(betas[0]),
                    Double.parseDouble(betas[1]), Double.parseDouble(g.meta.get("adam_eps")));
            float[] x = g.file.floats("input.content");
            List<Double> ours = new ArrayList<>();
            int steps = adam.minimize(x, (xx, grad) -> {
                LossTerms t = obj.evaluate(xx, grad);
                ours.add(t.total());
                return t.total();
            }, Integer.parseInt(g.meta.get("adam_steps")), null);
            for (int i = 0; i < ours.size(); i++)
                System.out.printf("  Adam step %2d  nst %.9f  torch %.9f  rel %.1e%n", i, ours.get(i), torch[i], Math.abs(ours.get(i) - torch[i]) / torch[i]);
            assertEquals(torch.length, steps, "steps");
            assertEquals(torch.length, ours.size(), "evaluations (one per step)");
            for (int i = 0; i < torch.length; i++)
                assertEquals(torch[i], ours.get(i), 1e-5 * torch[i], "loss before Adam step " + i + " (torch.optim.Adam's in the fixture)");
        }
    }
}
