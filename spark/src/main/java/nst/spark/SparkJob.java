package nst.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * One picture of a Spark batch: the content image, the style image and the PNG it becomes, each a fully qualified
 * Hadoop path ({@code file:/data/a.jpg}, {@code hdfs://nn/data/a.jpg}, {@code s3a://bucket/a.jpg}), plus this job's
 * own transfer options (shell words appended after the batch's options; empty for none).
 */
public record SparkJob(String content, String style, String output, String options) implements Serializable {
    public SparkJob {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(output, "output");
        options = options == null ? "" : options;
    }
}
