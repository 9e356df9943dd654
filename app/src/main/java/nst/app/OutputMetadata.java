package nst.app;

import nst.engine.Image;
import nst.engine.Images;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The PNG tEXt entries of an nst output (nst:options, nst:seed, nst:backend, nst:weights-source) for outputs
 * made outside {@code nst stylize} (the web studio), built by TransferRunner's own code so that
 * {@code nst stylize --like} reads them back; and PNG bytes that carry them. Leaves out naming the inputs:
 * callers pass the arguments for them (--content NAME …) as they know them.
 */
public final class OutputMetadata {
    private OutputMetadata() {}

    /**
     * @param inputs the arguments naming the inputs, e.g. --content NAME --style NAME --mask NAME --init-image NAME
     * @param result the run that made the image (its backend and weights source), or null
     * @param note   an nst:note saying where the input names come from (replaces TransferRunner's), or null
     */
    public static Map<String, String> of(StyleOptions o, List<String> inputs, StyleTransfer.Result result, String note) {
        Map<String, String> m = TransferRunner.metadata(o, null, inputs);
        m.remove("nst:note");
        if (note != null) m.put("nst:note", note);
        if (result != null) {
            m.put("nst:backend", result.backend());
            m.put("nst:weights-source", result.weightsSource());
        }
        return m;
    }

    /** PNG bytes with these tEXt entries, from the command line's own PNG writer (through a temporary file). */
    public static byte[] png(Image image, Map<String, String> text) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("nst-output-", ".png");
            Images.writePng(image, tmp, text);
            return Files.readAllBytes(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the result PNG: " + e.getMessage(), e);
        } finally {
            try {
                if (tmp != null) Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temporary file in java.io.tmpdir is harmless
            }
        }
    }
}
