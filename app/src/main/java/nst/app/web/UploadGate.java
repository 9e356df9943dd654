package nst.app.web;

import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * At most so many job uploads are read at once; the next is refused at once with 503, before its body is read.
 * A slow or stalled upload holds a request thread for as long as it trickles in (up to the idle timeout and the
 * minimum data rate of {@link StudioServer.Network}), so without this a few hundred of them would take every thread
 * and the page and status requests would wait behind them. Leaves out queueing: a refused client retries.
 */
final class UploadGate {
    private final int places;
    private final Semaphore permits;

    UploadGate(int places) {
        this.places = places;
        this.permits = new Semaphore(places);
    }

    /** Runs {@code read} holding a place; throws a 503 when every place is taken. */
    <T> T through(Supplier<T> read) {
        if (!permits.tryAcquire())
            throw new ApiError(503, "the studio is already reading " + places + " uploads (its limit); try again in a moment");
        try {
            return read.get();
        } finally {
            permits.release();
        }
    }
}
