package nst.engine.flow;

import nst.engine.image.Image;

/**
 * Backward warping: the warped image at pixel x is the source sampled at x + w(x), with bilinear interpolation.
 * With the backward flow ŵ of frame i (frame i → frame i−1), {@code backward(previous, ŵ)} lays frame i−1 over
 * frame i, which is what the temporal loss of Ruder et al. (arXiv 1604.08610, §3.1) compares against, and
 * {@code backward(forwardFlow, ŵ)} is the warped flow w̃ of their consistency check ({@link Consistency}).
 * A sample point outside the source reads the nearest border pixel (the coordinates are clamped); whether a
 * point fell outside is {@link #inside}'s question. Leaves out forward splatting and higher-order interpolation.
 */
public final class Warp {
    private Warp() {}

    /** Whether the point (x, y) lies in the pixel grid of a width × height image (borders included). */
    public static boolean inside(int width, int height, float x, float y) {
        return x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1;
    }

    /** The plane (width × height, row-major) at the real point (x, y): bilinear, clamped to the border. */
    public static float sample(float[] plane, int width, int height, float x, float y) {
        float cx = Math.min(Math.max(x, 0f), width - 1);
        float cy = Math.min(Math.max(y, 0f), height - 1);
        int x0 = Math.min((int) cx, width - 2 < 0 ? 0 : width - 2);
        int y0 = Math.min((int) cy, height - 2 < 0 ? 0 : height - 2);
        int x1 = Math.min(x0 + 1, width - 1), y1 = Math.min(y0 + 1, height - 1);
        float fx = cx - x0, fy = cy - y0;
        float top = plane[y0 * width + x0] + fx * (plane[y0 * width + x1] - plane[y0 * width + x0]);
        float bottom = plane[y1 * width + x0] + fx * (plane[y1 * width + x1] - plane[y1 * width + x0]);
        return top + fy * (bottom - top);
    }

    /** One plane (width × height, the flow's size) sampled at x + w(x) for every pixel x. */
    public static float[] backward(float[] plane, FlowField flow) {
        int w = flow.width(), h = flow.height();
        if (plane.length != flow.pixels())
            throw new IllegalArgumentException("plane of " + plane.length + " values does not match the " + flow + " that warps it");
        float[] out = new float[plane.length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = flow.index(x, y);
                out[i] = sample(plane, w, h, x + flow.u()[i], y + flow.v()[i]);
            }
        return out;
    }

    /** An RGB image warped channel by channel (the previous stylized frame laid over the current one). */
    public static Image backward(Image image, FlowField flow) {
        if (image.width() != flow.width() || image.height() != flow.height())
            throw new IllegalArgumentException(image + " and " + flow + " differ in size");
        int n = flow.pixels();
        float[] out = new float[3 * n];
        float[] channel = new float[n];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(image.rgb(), c * n, channel, 0, n);
            System.arraycopy(backward(channel, flow), 0, out, c * n, n);
        }
        return new Image(image.width(), image.height(), out);
    }

    /** A flow field warped component by component: {@code backward(w, ŵ)(x) = w(x + ŵ(x))}, Ruder et al.'s w̃. */
    public static FlowField backward(FlowField field, FlowField by) {
        if (field.width() != by.width() || field.height() != by.height())
            throw new IllegalArgumentException("flow fields differ in size: " + field + " and " + by);
        return new FlowField(field.width(), field.height(), backward(field.u(), by), backward(field.v(), by));
    }
}
