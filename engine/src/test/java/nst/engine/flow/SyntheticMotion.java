package nst.engine.flow;

import nst.engine.image.Image;

import java.util.SplittableRandom;

/**
 * Test frames with known motion: a smooth random texture (a sum of sinusoids, so it can be sampled exactly at any
 * real point, with no interpolation error in the truth) and an affine motion about the image centre. Frame 1 is
 * T(x), frame 2 is T(A⁻¹ y), so the true flow of frame 1 is A(x) − x.
 */
final class SyntheticMotion {

    /** A brightness pattern defined on the whole plane. */
    interface Texture { float at(double x, double y); }

    /** Smooth random texture: 14 sinusoids, wavelengths 7 to 40 px, values within [0.05, 0.95]. */
    static Texture texture(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int k = 14;
        double[] fx = new double[k], fy = new double[k], phase = new double[k], amp = new double[k];
        for (int i = 0; i < k; i++) {
            double wavelength = 7 + 33 * r.nextDouble(), angle = Math.PI * r.nextDouble();
            fx[i] = 2 * Math.PI / wavelength * Math.cos(angle);
            fy[i] = 2 * Math.PI / wavelength * Math.sin(angle);
            phase[i] = 2 * Math.PI * r.nextDouble();
            amp[i] = 0.45 / k;
        }
        return (x, y) -> {
            double s = 0.5;
            for (int i = 0; i < k; i++) s += amp[i] * Math.sin(fx[i] * x + fy[i] * y + phase[i]);
            return (float) s;
        };
    }

    /** An affine motion about the centre (cx, cy): rotate by angle (radians), zoom, then translate by (tx, ty). */
    record Motion(double tx, double ty, double angle, double zoom) {
        static Motion translation(double tx, double ty) { return new Motion(tx, ty, 0, 1); }

        /** Where the point (x, y) of frame 1 is in frame 2, for an image of size w × h. */
        double[] apply(double x, double y, int w, int h) {
            double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0, dx = x - cx, dy = y - cy;
            double c = zoom * Math.cos(angle), s = zoom * Math.sin(angle);
            return new double[]{cx + c * dx - s * dy + tx, cy + s * dx + c * dy + ty};
        }

        /** The inverse map: which point of frame 1 lands on (x, y) of frame 2. */
        double[] invert(double x, double y, int w, int h) {
            double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0, dx = x - tx - cx, dy = y - ty - cy;
            double c = Math.cos(angle) / zoom, s = Math.sin(angle) / zoom;
            return new double[]{cx + c * dx + s * dy, cy - s * dx + c * dy};
        }

        FlowField truth(int w, int h) {
            FlowField f = FlowField.zero(w, h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double[] p = apply(x, y, w, h);
                    f.u()[f.index(x, y)] = (float) (p[0] - x);
                    f.v()[f.index(x, y)] = (float) (p[1] - y);
                }
            return f;
        }
    }

    /** The texture as a grey RGB image of w × h, each pixel mapped through {@code where} first. */
    static Image render(Texture t, int w, int h, java.util.function.BiFunction<Integer, Integer, double[]> where) {
        float[] rgb = new float[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double[] p = where.apply(x, y);
                float g = t.at(p[0], p[1]);
                for (int c = 0; c < 3; c++) rgb[(c * h + y) * w + x] = g;
            }
        return new Image(w, h, rgb);
    }

    static Image first(Texture t, int w, int h) { return render(t, w, h, (x, y) -> new double[]{x, y}); }

    static Image second(Texture t, int w, int h, Motion m) { return render(t, w, h, (x, y) -> m.invert(x, y, w, h)); }
}
