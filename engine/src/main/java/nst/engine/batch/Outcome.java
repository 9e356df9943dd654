package nst.engine.batch;

/**
 * What became of one {@link BatchJob}: done (written now), skipped (an output with the same recorded options was
 * already there) or failed (with the reason, one line).
 *
 * @param seconds   the time spent on the job
 * @param finalLoss the total loss of the written image; null unless done
 * @param reason    why it failed; null unless failed
 */
public record Outcome(BatchJob job, Status status, double seconds, Double finalLoss, String reason) {
    public enum Status { DONE, SKIPPED, FAILED }
}
