package nst.convert;

import nst.engine.network.Preprocess;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What a format reader found in a file. For a VGG: the conv layers under their paper names (conv1_1 …),
 * validated against the VGG spec by the {@link Converter}. For the other networks (AdaIN's encoder or
 * decoder, ResNet-50) the tensors already under the names the output file gets ({@code named}), checked by
 * {@link AdaInLayout} / {@link ResNetLayout}. Plus the architecture, the preprocessing the weights expect
 * (null: none, AdaIN bakes it into its first conv), a description of the source, and notes for the user.
 *
 * @param convs     VGG: paper name → (weight, bias), in network order; empty for the other networks
 * @param named     non-VGG: output tensor name → tensor, in network order; null for a VGG
 * @param meta      extra metadata the output file records (e.g. ResNet's "variant"); never null
 * @param resources closed with the model (open files)
 */
public record SourceModel(String description, String arch, Preprocess preprocess, Map<String, Conv> convs,
                          Map<String, SourceTensor> named, Map<String, String> meta,
                          List<String> notes, Closeable resources) implements Closeable {

    /** Architecture tags of the two halves of an AdaIN file, each read from its own input file. */
    public static final String ADAIN_ENCODER = "adain-encoder", ADAIN_DECODER = "adain-decoder";

    /** A VGG model. */
    public SourceModel(String description, String arch, Preprocess preprocess, Map<String, Conv> convs,
                       List<String> notes, Closeable resources) {
        this(description, arch, preprocess, convs, null, Map.of(), notes, resources);
    }

    /** A non-VGG model whose tensors carry their output names. */
    static SourceModel named(String description, String arch, Preprocess preprocess, Map<String, SourceTensor> named,
                             Map<String, String> meta, List<String> notes, Closeable resources) {
        return new SourceModel(description, arch, preprocess, Map.of(), named, meta, notes, resources);
    }

    public boolean isVgg() { return named == null; }

    /** One conv layer's tensors. */
    public record Conv(SourceTensor weight, SourceTensor bias) {}

    @Override
    public void close() throws IOException {
        if (resources != null) resources.close();
    }
}
