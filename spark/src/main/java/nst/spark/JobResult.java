package nst.spark;

import java.io.Serializable;
import java.util.Locale;

/**
 * What became of one {@link SparkJob} (as nst batch's {@code Outcome}): done (written now), skipped (an output with the
 * same recorded options was there) or failed (with the reason, one line).
 *
 * @param status  "done", "skipped" or "failed" (the words of nst batch's manifest)
 * @param seconds the time the task spent on the job
 * @param loss    the final total loss of a written image; null unless done
 * @param reason  why it failed; null unless failed
 * @param attempt the Spark task attempt that ended it (0 for the first)
 */
public record JobResult(SparkJob job, String status, double seconds, Double loss, String reason, int attempt) implements Serializable {
    public static final String DONE = "done", SKIPPED = "skipped", FAILED = "failed";

    /** One line for logs. */
    public String describe() {
        return switch (status) {
            case DONE -> String.format(Locale.ROOT, "wrote %s in %.1f s (loss %.4g)", job.output(), seconds, loss);
            case SKIPPED -> "skipped " + job.output() + ": it exists with the same options (--force redoes it)";
            default -> "failed " + job.output() + ": " + reason;
        };
    }
}
