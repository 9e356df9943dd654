package nst.engine.network;

import nst.engine.WeightsException;
import nst.engine.io.SafeTensors;

import java.nio.file.Path;

/**
 * Host copies of a network's weights with the metadata of docs/DESIGN.md (arch, preprocess, source): {@link VggWeights}
 * or {@link ResNetWeights}. {@link #load} reads a file of either kind by its {@code arch} metadata.
 */
public sealed interface NetworkWeights permits VggWeights, ResNetWeights {

    /** "vgg16", "vgg19" or "resnet50". */
    String arch();

    Preprocess preprocess();

    /** Where the weights came from ("random(seed=0)", a file name, the converter's note). */
    String source();

    /** Reads a weights file of any supported network; the {@code arch} metadata decides which. */
    static NetworkWeights load(Path path) {
        String arch;
        try (SafeTensors.Reader r = SafeTensors.open(path)) {
            arch = r.metadata().get("arch");
        }
        if (arch == null) throw new WeightsException(path + ": missing metadata key 'arch'");
        return ResNetWeights.ARCH.equals(arch) ? ResNetWeights.load(path) : VggWeights.load(path);
    }
}
