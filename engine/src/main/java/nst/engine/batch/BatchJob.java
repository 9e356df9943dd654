package nst.engine.batch;

import java.nio.file.Path;
import java.util.Objects;

/** One picture of a batch: the content image, the style image and the PNG it becomes. */
public record BatchJob(Path content, Path style, Path output) {
    public BatchJob {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(output, "output");
    }
}
