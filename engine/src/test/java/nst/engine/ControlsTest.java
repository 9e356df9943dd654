package nst.engine;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.Objective;
import nst.engine.network.Pooling;
import nst.engine.network.VggNetwork;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static nst.engine.ControlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Reproducibility, the initial image, style scale, normalised gradients and coarse-to-fine, each on a
 * narrow network at a few dozen pixels. Leaves out masks and tiling (their own tests).
 */
class ControlsTest {

    @Test void sameSeedAndOptionsGiveTheSameImageBitForBit() {
        StyleOptions o = small(40, 3).init(StyleOptions.Init.NOISE).seed(5).build();
        Image a = new StyleTransfer().run(o, null, null).image(), b = new StyleTransfer().run(o, null, null).image();
        assertArrayEquals(a.rgb(), b.rgb());
        assertArrayEquals(Images.pngBytes(a), Images.pngBytes(b));
        Image c = new StyleTransfer().run(o.toBuilder().seed(6).build(), null, null).image();
        assertFalse(Arrays.equals(a.rgb(), c.rgb()), "another seed starts from other noise");
    }

    @Test void initImageIsWhereTheOptimisationStarts() {
        Image init = image("the_scream.jpg", 64);
        StyleOptions o = small(40, 0).initImage(init).build();
        StyleTransfer.Result r = new StyleTransfer().run(o, null, null);
        Image content = Images.resizeLongest(o.content(), 40);
        assertArrayEquals(Images.resize(init, content.width(), content.height()).rgb(), r.image().rgb());
    }

    @Test void styleScaleResizesTheStyleRelativeToTheOutput() {
        StyleOptions o = small(48, 0).build();
        double full = new StyleTransfer().run(o, null, null).finalTerms().style();
        double half = new StyleTransfer().run(o.toBuilder().styleScale(0.5).build(), null, null).finalTerms().style();
        assertNotEquals(full, half, "the style targets depend on the style's size");
        NstException e = assertThrows(NstException.class, () -> o.toBuilder().styleScale(0.2).build().validate());
        assertEquals("style-scale 0.2 makes the style image smaller than 16 pixels", e.getMessage());
    }

    /** The style image the network sees has longest side round(scale × output): conv1_1's inputs, recorded by the backend. */
    @Test void styleScaleIsTheSizeOfTheStyleImageTheNetworkSees() {
        StyleOptions o = small(48, 0).build();
        Image content = Images.resizeLongest(o.content(), 48);
        for (double scale : new double[] {0.5, 1, 2}) {
            FaultyBackend backend = new FaultyBackend();
            new StyleTransfer().run(o.toBuilder().styleScale(scale).build(), WEIGHTS, backend, null, null);
            Image style = Images.resizeLongest(o.styles().get(0), (int) Math.round(48 * scale));
            java.util.Set<List<Integer>> seen = new java.util.HashSet<>();
            for (int[] hw : backend.imageInputs) seen.add(List.of(hw[0], hw[1]));
            System.out.println("style scale " + scale + ": images into conv1_1 " + seen);
            assertEquals(java.util.Set.of(List.of(content.height(), content.width()), List.of(style.height(), style.width())), seen);
        }
    }

    /** With one content layer, normalisation divides the whole gradient by that layer's ‖dL/dF‖₁ (per unit weight). */
    @Test void normalisedGradientsDivideEachLayersGradientByItsL1Norm() {
        Image content = image("tubingen.jpg", 24), style = image("starry_night.jpg", 24);
        float[] x = image("the_scream.jpg", 24).rgb();
        x = Arrays.copyOf(x, content.rgb().length);
        for (String layer : new String[] {"relu2_1", "relu3_1"}) {
            float[][] g = new float[2][];
            double l1 = 0;
            for (int k = 0; k < 2; k++) {
                Objective.Config cfg = new Objective.Config(LayerWeight.parseList(layer + ":0.5", "c"), List.of(), 3.0, 0, 0, k == 1);
                try (var backend = new nst.kernels.ScalarBackend(); VggNetwork net = new VggNetwork(backend, WEIGHTS, Pooling.MAX);
                     Objective obj = new Objective(net, cfg, content, List.of(style), new double[] {1})) {
                    g[k] = new float[x.length];
                    obj.evaluate(x, g[k]);
                    float[] f = obj.activation(layer), t = obj.contentTarget(layer);
                    l1 = 0;
                    for (int i = 0; i < f.length; i++) l1 += Math.abs(2.0 * (f[i] - t[i]) / f.length);
                }
            }
            double worst = 0, max = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(g[1][i] - g[0][i] / (l1 + 1e-8)));
                max = Math.max(max, Math.abs(g[1][i]));
            }
            System.out.printf("normalised gradient at %s: ‖u‖₁ = %.4g, max |g_norm − g/‖u‖₁| = %.2e of %.2e%n", layer, l1, worst, max);
            assertTrue(worst <= 1e-4 * max, "normalised gradient differs by " + worst);
        }
        // with style and content layers the transfer runs and lowers the loss
        java.util.List<String> notices = new java.util.ArrayList<>();
        StyleTransfer.Result r = new StyleTransfer(notices::add).run(small(40, 4).normalizeGradients(true).build(), null, null);
        assertTrue(r.history().get(r.history().size() - 1).terms().total() < r.history().get(0).terms().total());
        assertTrue(notices.stream().anyMatch(n -> n.startsWith("--normalize-gradients with L-BFGS")), "L-BFGS pairing notice: " + notices);
        notices.clear();
        new StyleTransfer(notices::add).run(small(40, 4).normalizeGradients(true).optimizer("adam").build(), null, null);
        assertTrue(notices.stream().noneMatch(n -> n.contains("--normalize-gradients")), "no notice with Adam: " + notices);
    }

    @Test void coarseToFineEndsNoWorseThanADirectRun() {
        int iterations = 8;
        StyleOptions direct = small(64, iterations).build();
        StyleOptions c2f = small(64, iterations).scales(32, 64).build();
        StyleTransfer.Result d = new StyleTransfer().run(direct, null, null);
        StyleTransfer.Result m = new StyleTransfer().run(c2f, null, null);
        assertEquals(d.image().width(), m.image().width());
        assertEquals(d.image().height(), m.image().height());
        double ld = d.finalTerms().total(), lm = m.finalTerms().total();
        System.out.printf("coarse-to-fine 32→64 (%d it each): final loss %.5g; direct 64 (%d it): %.5g%n", iterations, lm, iterations, ld);
        assertTrue(lm <= ld, "coarse-to-fine final loss " + lm + " > direct " + ld);
    }

    @Test void scalesAreValidated() {
        NstException e = assertThrows(NstException.class, () -> small(64, 1).scales(64, 32).build().validate());
        assertTrue(e.getMessage().contains("must increase") && e.getMessage().contains("[64, 32]"), e.getMessage());
        e = assertThrows(NstException.class, () -> small(64, 1).scales(32, 48).size(64).build().validate());
        assertTrue(e.getMessage().contains("last scale (48)") && e.getMessage().contains("(64)"), e.getMessage());
    }
}
