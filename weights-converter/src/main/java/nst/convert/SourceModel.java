package nst.convert;

import nst.engine.network.Preprocess;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What a format reader found in a file: the VGG conv layers under their paper names (conv1_1 …), the
 * architecture, the preprocessing the weights expect, a description of the source, and notes for the
 * user. Leaves out validation against the VGG spec (the {@link Converter} does that, for every format alike).
 *
 * @param convs     paper name → (weight, bias), in network order
 * @param resources closed with the model (open files)
 */
public record SourceModel(String description, String arch, Preprocess preprocess, Map<String, Conv> convs,
                          List<String> notes, Closeable resources) implements Closeable {

    /** One conv layer's tensors. */
    public record Conv(SourceTensor weight, SourceTensor bias) {}

    @Override
    public void close() throws IOException {
        if (resources != null) resources.close();
    }
}
