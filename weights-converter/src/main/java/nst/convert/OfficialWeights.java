package nst.convert;

import nst.engine.NstException;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Where the official VGG, ResNet-50 and AdaIN weights are published and the checksum each publisher gives, with provenance.
 * Leaves out mirrors: a --url override is checked against the same published checksum.
 *
 * <ul>
 * <li>keras: keras-team/keras, keras/src/applications/vgg16.py and vgg19.py: WEIGHTS_PATH_NO_TOP and the
 *     {@code file_hash} passed to get_file (32 hex digits: MD5). These are the original VGG weights of
 *     Simonyan &amp; Zisserman (Caffe-trained, BGR input), without the fully connected layers: the smallest
 *     download (58 MB / 80 MB), and the weights Gatys et al. used.</li>
 * <li>torchvision: torchvision/models/vgg.py (VGG16_Weights/VGG19_Weights.IMAGENET1K_V1). The file name
 *     embeds the first 8 hex digits of the file's SHA-256, which torch.hub checks; no full hash is published.</li>
 * <li>gatys: the normalised VGG19 of Gatys' PytorchNeuralStyleTransfer README (bethgelab.org); no checksum published.</li>
 * <li>caffe: the VGG page of the Visual Geometry Group, Oxford (robots.ox.ac.uk/~vgg/research/very_deep/);
 *     no checksum published.</li>
 * <li>resnet50 torchvision: torchvision/models/resnet.py ResNet50_Weights.IMAGENET1K_V1 (resnet50-0676ba61.pth,
 *     SHA-256 prefix in the name). V1, not IMAGENET1K_V2 (resnet50-11ad3fa6.pth): V1 is the classic ImageNet
 *     training, the torchvision ResNet-50 the style-transfer comparisons (Wang et al. 2021) used; V2 came later
 *     with a different training recipe (long schedule, heavy augmentation, label smoothing, EMA).</li>
 * <li>resnet50 keras: keras/src/applications/resnet.py, BASE_WEIGHTS_PATH + resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5
 *     with WEIGHTS_HASHES["resnet50"][1] (MD5). Keras' ResNet50 is ResNet v1 (stride on a stage's first 1×1 conv).</li>
 * <li>adain: naoto0804/pytorch-AdaIN GitHub release v0.0.0, decoder.pth and vgg_normalised.pth; no checksum
 *     published (the SHA-256 of what arrived is recorded).</li>
 * </ul>
 */
public final class OfficialWeights {
    private OfficialWeights() {}

    public enum Source { KERAS, TORCHVISION, GATYS, CAFFE, PYTORCH_ADAIN;
        public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }
    }

    /**
     * One published file. {@code algorithm} is "MD5" or "SHA-256"; {@code expected} the published hex digest
     * or its published prefix; both null where nothing is published.
     */
    public record Entry(String arch, Source source, String fileName, URI url, String algorithm, String expected, String provenance) {
        public boolean hasChecksum() { return expected != null; }
        public Entry withUrl(URI u) { return new Entry(arch, source, fileName, u, algorithm, expected, provenance); }
    }

    public static final List<Entry> ALL = List.of(
            new Entry("vgg19", Source.KERAS, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    URI.create("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
                    "MD5", "253f8cb515780f3b799900260a226db6", "keras/src/applications/vgg19.py file_hash"),
            new Entry("vgg16", Source.KERAS, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    URI.create("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
                    "MD5", "6d6bbae143d832006294945121d1f1fc", "keras/src/applications/vgg16.py file_hash"),
            new Entry("vgg19", Source.TORCHVISION, "vgg19-dcbb9e9d.pth", URI.create("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"),
                    "SHA-256", "dcbb9e9d", "SHA-256 prefix in the torchvision file name"),
            new Entry("vgg16", Source.TORCHVISION, "vgg16-397923af.pth", URI.create("https://download.pytorch.org/models/vgg16-397923af.pth"),
                    "SHA-256", "397923af", "SHA-256 prefix in the torchvision file name"),
            new Entry("vgg19", Source.GATYS, "vgg_conv.pth", URI.create("https://bethgelab.org/media/uploads/pytorch_models/vgg_conv.pth"),
                    null, null, "no checksum published"),
            new Entry("vgg19", Source.CAFFE, "VGG_ILSVRC_19_layers.caffemodel",
                    URI.create("https://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/VGG_ILSVRC_19_layers.caffemodel"),
                    null, null, "no checksum published"),
            new Entry("vgg16", Source.CAFFE, "VGG_ILSVRC_16_layers.caffemodel",
                    URI.create("https://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/VGG_ILSVRC_16_layers.caffemodel"),
                    null, null, "no checksum published"),
            new Entry("resnet50", Source.TORCHVISION, "resnet50-0676ba61.pth", URI.create("https://download.pytorch.org/models/resnet50-0676ba61.pth"),
                    "SHA-256", "0676ba61", "SHA-256 prefix in the torchvision file name (IMAGENET1K_V1)"),
            new Entry("resnet50", Source.KERAS, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                    URI.create("https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
                    "MD5", "4d473c1dd8becc155b73f8504c6f6626", "keras/src/applications/resnet.py WEIGHTS_HASHES file_hash"),
            new Entry("adain", Source.PYTORCH_ADAIN, "vgg_normalised.pth",
                    URI.create("https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/vgg_normalised.pth"),
                    null, null, "no checksum published"),
            new Entry("adain", Source.PYTORCH_ADAIN, "decoder.pth",
                    URI.create("https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/decoder.pth"),
                    null, null, "no checksum published"));

    /** The source used when none is given: keras for VGG (smallest, MD5 published), torchvision for ResNet-50. */
    public static String defaultSource(String arch) {
        return switch (Converter.requestedArch(arch)) {
            case "resnet50" -> "torchvision";
            case "adain" -> "pytorch-adain";
            default -> "keras";
        };
    }

    /** Every file that makes up {@code arch} from {@code source} (null: the default source): one, two for AdaIN. */
    public static List<Entry> findAll(String arch, String source) {
        String a = Converter.requestedArch(arch);
        String src = source == null ? defaultSource(a) : source.toLowerCase(Locale.ROOT);
        Source s = null;
        for (Source x : Source.values()) if (x.id().equals(src)) s = x;
        if (s == null) throw new NstException("unknown --source '" + source + "'; known: keras, torchvision, gatys, caffe, pytorch-adain");
        List<Entry> out = new java.util.ArrayList<>();
        for (Entry e : ALL) if (e.arch().equals(a) && e.source() == s) out.add(e);
        if (out.isEmpty()) {
            String who = switch (a) {
                case "resnet50" -> "resnet50 comes from torchvision or keras";
                case "adain" -> "adain comes from pytorch-adain";
                default -> s == Source.PYTORCH_ADAIN ? "pytorch-adain publishes adain only" : "gatys publishes vgg19 only";
            };
            throw new NstException("no " + a + " weights are published by " + s.id() + " (" + who + ")");
        }
        return out;
    }

    public static Entry find(String arch, String source) {
        return findAll(arch, source).getFirst();
    }
}
