package nst.engine.flow;

/**
 * A dense optical flow field w = (u, v) on a width × height pixel grid, row-major: the pixel at column x, row y
 * of the first image moves to (x + u, y + v) in the second one. Leaves out how it was computed
 * ({@link OpticalFlow}) and what it is used for ({@link Warp}, {@link Consistency}).
 */
public record FlowField(int width, int height, float[] u, float[] v) {

    public FlowField {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("flow field size " + width + "x" + height);
        if ((long) width * height > Integer.MAX_VALUE)
            throw new IllegalArgumentException("flow field size " + width + "x" + height + " is too large");
        if (u.length != width * height || v.length != width * height)
            throw new IllegalArgumentException("flow field " + width + "x" + height + " needs " + width * height
                    + " values per component, has u " + u.length + ", v " + v.length);
    }

    /** The zero flow (nothing moves). */
    public static FlowField zero(int width, int height) {
        return new FlowField(width, height, new float[width * height], new float[width * height]);
    }

    public int pixels() { return width * height; }

    /** Index of column x, row y in {@link #u()} and {@link #v()}. */
    public int index(int x, int y) { return y * width + x; }

    /**
     * Mean end-point error ‖w − w_truth‖ over the pixels at least {@code margin} pixels from every border (the
     * usual accuracy measure of optical flow, Baker et al. 2011).
     */
    public double endPointError(FlowField truth, int margin) {
        if (truth.width != width || truth.height != height)
            throw new IllegalArgumentException("flow fields differ in size: " + width + "x" + height + " and "
                    + truth.width + "x" + truth.height);
        if (2 * margin >= width || 2 * margin >= height)
            throw new IllegalArgumentException("margin " + margin + " leaves no pixel of a " + width + "x" + height + " field");
        double sum = 0;
        for (int y = margin; y < height - margin; y++)
            for (int x = margin; x < width - margin; x++) {
                int i = index(x, y);
                sum += Math.hypot(u[i] - truth.u[i], v[i] - truth.v[i]);
            }
        return sum / ((double) (width - 2 * margin) * (height - 2 * margin));
    }

    @Override
    public String toString() { return "FlowField[" + width + "x" + height + "]"; }
}
