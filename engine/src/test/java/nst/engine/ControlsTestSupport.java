package nst.engine;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Shared fixtures for the artistic-controls tests: the bundled example images at a few dozen pixels and a
 * narrow seeded VGG19, so each transfer takes seconds on the scalar backend. Leaves out pretrained weights.
 */
public final class ControlsTestSupport {
    private ControlsTestSupport() {}

    public static final VggSpec SPEC = VggSpec.vgg19().withWidths(8, 8, 16, 16, 16);
    public static final VggWeights WEIGHTS = VggWeights.random(SPEC, 11, Preprocess.TORCHVISION);
    public static final String STYLE_LAYERS = "relu1_1,relu2_1,relu3_1,relu4_1";

    public static Path example(String name) {
        for (Path p : List.of(Path.of("..", "examples", name), Path.of("examples", name)))
            if (Files.isRegularFile(p)) return p;
        throw new IllegalStateException("example image " + name + " not found from " + Path.of("").toAbsolutePath());
    }

    /** An example image with its longest side at {@code size}. */
    public static Image image(String name, int size) {
        return Images.resizeLongest(Images.read(example(name)), size);
    }

    /** A small transfer: tubingen in the style of starry_night, narrow network, scalar backend. */
    public static StyleOptions.Builder small(int size, int iterations) {
        return StyleOptions.builder().content(image("tubingen.jpg", 96)).style(image("starry_night.jpg", 96))
                .weightsData(WEIGHTS).model("vgg19").size(size).iterations(iterations).styleLayers(STYLE_LAYERS)
                .backend("scalar").threads(1);
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    public static double frobenius(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(s);
    }
}
