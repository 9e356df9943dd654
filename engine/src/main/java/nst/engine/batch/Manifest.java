package nst.engine.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import nst.engine.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The manifest of a batch: one JSON object per line (content, style, output, status, seconds, loss, reason), the
 * whole file rewritten through a temporary file and a rename after every job, so it is always complete up to the
 * last finished job.
 */
public final class Manifest {
    public static final String FILE_NAME = "manifest.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<Outcome> outcomes = new ArrayList<>();

    public Manifest(Path file) { this.file = file; }

    /** Records one outcome and rewrites the file. */
    public void add(Outcome o) throws IOException {
        outcomes.add(o);
        StringBuilder text = new StringBuilder();
        for (Outcome x : outcomes) text.append(line(x)).append('\n');
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    /** One outcome as a JSON object on one line (Jackson escapes the names and the reason). */
    static String line(Outcome o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("content", o.job().content().toString());
        n.put("style", o.job().style().toString());
        n.put("output", o.job().output().toString());
        n.put("status", o.status().name().toLowerCase(Locale.ROOT));
        n.put("seconds", Math.round(o.seconds() * 1000) / 1000.0);
        if (o.finalLoss() != null) n.put("loss", o.finalLoss());
        if (o.reason() != null) n.put("reason", o.reason());
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serialises", e);
        }
    }
}
