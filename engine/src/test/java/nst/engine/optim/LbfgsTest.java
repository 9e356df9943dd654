package nst.engine.optim;

import nst.engine.Golden;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import nst.engine.network.VggNetwork;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** L-BFGS and Adam on classic functions with known minima, and L-BFGS against torch.optim.LBFGS on a style-transfer problem. */
class LbfgsTest {

    /** Rosenbrock in n dimensions: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1). */
    static double rosenbrock(float[] x, float[] g) {
        double f = 0;
        java.util.Arrays.fill(g, 0f);
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - (double) x[i] * x[i], b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += (float) (-400 * a * x[i] - 2 * b);
            g[i + 1] += (float) (200 * a);
        }
        return f;
    }

    @Test void rosenbrockReachesItsMinimum() {
        float[] x = {-1.2f, 1f, -1.2f, 1f, -0.5f, 0.8f};
        Lbfgs opt = new Lbfgs(1, 10, 1e-7, 1e-12, 1000);
        int iters = opt.minimize(x, LbfgsTest::rosenbrock, 500, null);
        float[] g = new float[x.length];
        double f = rosenbrock(x, g);
        assertTrue(f < 1e-8, "Rosenbrock value " + f + " after " + iters + " iterations");
        for (float v : x) assertEquals(1.0, v, 1e-3);
    }

    @Test void illConditionedQuadraticReachesItsMinimum() {
        // f(x) = ½ Σ λ_i (x_i − c_i)², λ from 1 to 1e4 (condition number 10⁴).
        int n = 50;
        double[] lambda = new double[n], c = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = Math.pow(1e4, i / (double) (n - 1));
            c[i] = Math.sin(i);
        }
        DifferentiableFunction f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < n; i++) {
                double d = x[i] - c[i];
                v += 0.5 * lambda[i] * d * d;
                g[i] = (float) (lambda[i] * d);
            }
            return v;
        };
        float[] x = new float[n];
        new Lbfgs(1, 20, 1e-9, 1e-14, 2000).minimize(x, f, 1000, null);
        for (int i = 0; i < n; i++) assertEquals(c[i], x[i], 1e-4, "x[" + i + "]");
        // Gradient descent would need ~10⁴·ln(10⁸) iterations to shrink f by 10⁸ here; L-BFGS with history ≥ n
        // behaves like conjugate gradients (n steps in exact arithmetic), but float32 rounding costs more: torch 1.13's
        // LBFGS in float32 on this same problem first gets below 1e-8·f0 at evaluation 167. Allow 250.
        float[] y = new float[n];
        double f0 = f.evaluate(y, new float[n]);
        int[] reached = {-1};
        new Lbfgs(1, n, 1e-9, 1e-14, 2000).minimize(y, f, 1000, (it, loss) -> {
            if (loss < 1e-8 * f0 && reached[0] < 0) reached[0] = it;
            return reached[0] < 0;
        });
        assertTrue(reached[0] > 0 && reached[0] <= 250, "L-BFGS (history n) needed " + reached[0] + " iterations to reduce f by 1e8");
    }

    @Test void adamMinimisesAQuadratic() {
        DifferentiableFunction f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - (i + 1);
                v += d * d;
                g[i] = (float) (2 * d);
            }
            return v;
        };
        float[] x = new float[4];
        new Adam(0.1).minimize(x, f, 2000, null);
        for (int i = 0; i < 4; i++) assertEquals(i + 1, x[i], 1e-2);
    }

    @Test void listenerCanStopEarly() {
        float[] x = {-1.2f, 1f};
        int done = new Lbfgs(1, 10).minimize(x, LbfgsTest::rosenbrock, 100, (it, loss) -> it < 3);
        assertEquals(3, done);
    }

    /**
     * The same style-transfer problem as PyTorch's record in the fixture (vgg19_max_torchvision: init content,
     * lr 1, history 100, max_iter 10, torch's max_eval 12): every evaluation's loss follows torch's, and the
     * final loss is no worse.
     */
    @Test void noWorseThanTorchLbfgsOnStyleTransfer() {
        try (Golden g = new Golden("vgg19_max_torchvision"); ScalarBackend backend = new ScalarBackend();
             VggNetwork net = new VggNetwork(backend, g.weights, g.pooling());
             nst.engine.loss.Objective obj = new nst.engine.loss.Objective(net, g.config(g.alpha(), g.beta(), g.gamma()),
                     g.image("input.content"), g.styles(), g.blend())) {
            int iterations = Integer.parseInt(g.meta.get("lbfgs_iterations")), history = Integer.parseInt(g.meta.get("lbfgs_history"));
            double[] torchLosses = g.file.doubles("lbfgs.losses");
            double torchFinal = g.file.scalar("lbfgs.final_loss");
            float[] x = g.file.floats("input.content");
            List<Double> ours = new ArrayList<>();
            Lbfgs opt = new Lbfgs(1, history);
            opt.minimize(x, (xx, grad) -> {
                LossTerms t = obj.evaluate(xx, grad);
                ours.add(t.total());
                return t.total();
            }, iterations, null);
            double finalLoss = obj.evaluate(x, new float[x.length]).total();
            System.out.printf("L-BFGS: nst %d evaluations, final %.7f; torch %d evaluations, final %.7f%n",
                    ours.size(), finalLoss, torchLosses.length, torchFinal);
            for (int i = 0; i < Math.min(ours.size(), torchLosses.length); i++)
                System.out.printf("  evaluation %2d  nst %.7f  torch %.7f%n", i, ours.get(i), torchLosses[i]);
            assertEquals(torchLosses.length, ours.size(), "evaluation count differs from torch's");
            for (int i = 0; i < ours.size(); i++)
                assertEquals(torchLosses[i], ours.get(i), 1e-3 * Math.abs(torchLosses[i]), "evaluation " + i);
            assertTrue(finalLoss <= torchFinal * (1 + 1e-4), "final loss " + finalLoss + " worse than torch's " + torchFinal);
        }
    }
}
