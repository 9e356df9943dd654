package nst.engine.image;

/**
 * An RGB image as the algorithm sees it: float values (nominally [0,1]) in planar (3, H, W) order.
 * Leaves out alpha (dropped on load) and colour management (pixels are taken as stored, sRGB).
 */
public record Image(int width, int height, float[] rgb) {

    public Image {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size " + width + "x" + height);
        if (rgb.length != 3 * width * height)
            throw new IllegalArgumentException("image data has " + rgb.length + " values for 3x" + height + "x" + width);
    }

    public static Image blank(int width, int height) { return new Image(width, height, new float[3 * width * height]); }

    public int pixels() { return width * height; }

    /** Value of channel c (0 red, 1 green, 2 blue) at row y, column x. */
    public float get(int c, int y, int x) { return rgb[(c * height + y) * width + x]; }

    public Image copy() { return new Image(width, height, rgb.clone()); }

    /** A copy with every value clamped to [0,1] (what is written out). */
    public Image clamped() {
        float[] v = rgb.clone();
        for (int i = 0; i < v.length; i++) v[i] = Math.min(1f, Math.max(0f, v[i]));
        return new Image(width, height, v);
    }

    @Override
    public String toString() { return "Image[" + width + "x" + height + "]"; }
}
