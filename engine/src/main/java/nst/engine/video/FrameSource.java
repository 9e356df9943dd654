package nst.engine.video;

import nst.engine.image.Image;

import java.io.IOException;

/**
 * The frames of a clip, read one after the other: a folder of numbered images ({@link FrameFolder}) or a decoded video
 * (the application's MP4 reader). Every frame has the same size. Leaves out seeking: {@link Video} needs only the next
 * frame and the one before it.
 */
public interface FrameSource extends AutoCloseable {
    /** How many frames there are (known and bounded before any frame is decoded). */
    int frameCount();

    /** Frames per second of the clip, or 0 when the source does not say (a folder of images). */
    double fps();

    /** The next frame, or null after the last; a frame that cannot be read is an exception naming it. */
    Image next() throws IOException;

    /** What the frames come from, as the user named it (messages, recorded in every output frame). */
    String name();

    @Override void close() throws IOException;
}
