package nst.app.web;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * An image's width and height from its header, without decoding a pixel, so a pixel limit can be checked before any
 * memory is spent on pixels. Leaves out formats ImageIO has no reader for (they are refused as not images).
 */
final class ImageHeader {
    private ImageHeader() {}

    /** {width, height}; null when no reader knows the format or the header cannot be read. */
    static long[] dimensions(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            var it = ImageIO.getImageReaders(in);
            if (!it.hasNext()) return null;
            ImageReader r = it.next();
            try {
                r.setInput(in, true, true);                  // seek forward only, and skip metadata (no text chunk is inflated)
                return new long[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
