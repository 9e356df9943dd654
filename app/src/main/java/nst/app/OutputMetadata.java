package nst.app;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.image.Images;

import java.util.List;
import java.util.Map;

/**
 * The PNG tEXt entries of an nst output (nst:options, nst:seed, nst:backend, nst:weights-source) for outputs
 * made outside {@code nst stylize} (the web studio), built by TransferRunner's own code so that
 * {@code nst stylize --like} reads them back ({@link Images#pngBytes(Image, Map)} writes them). Leaves out naming
 * the inputs: callers pass the arguments for them (--content NAME …) as they know them.
 */
public final class OutputMetadata {
    private OutputMetadata() {}

    /**
     * @param inputs the arguments naming the inputs, e.g. --content NAME --style NAME --mask NAME --init-image NAME
     * @param result the run that made the image (its backend and weights source), or null
     * @param note   an nst:note saying where the input names come from (replaces TransferRunner's), or null
     */
    public static Map<String, String> of(StyleOptions o, List<String> inputs, StyleTransfer.Result result, String note) {
        Map<String, String> m = TransferRunner.metadata(o, null, inputs, result);
        if (note != null) m.put("nst:note", note);              // the caller knows how its inputs are named
        else m.remove("nst:note");
        return m;
    }
}
