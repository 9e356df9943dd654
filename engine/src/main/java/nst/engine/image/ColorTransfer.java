package nst.engine.image;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.joml.Matrix3d;
import org.joml.Vector3d;

/**
 * Colour preservation after Gatys, Bethge, Hertzmann &amp; Shechtman, "Preserving color in neural artistic
 * style transfer" (arXiv 1606.05897): luminance-only transfer in YIQ, and colour histogram matching of
 * the style to the content by mean and covariance (A = Σc^{1/2} Σs^{-1/2}). Statistics in double.
 * Leaves out the Cholesky variant of the matching and colour spaces other than YIQ.
 */
public final class ColorTransfer {
    private ColorTransfer() {}

    /** sRGB (as stored, no linearisation) → YIQ, NTSC 1953 coefficients. Rows: Y, I, Q. */
    public static final Matrix3d RGB_TO_YIQ = new Matrix3d()
            .setRow(0, 0.299, 0.587, 0.114)
            .setRow(1, 0.595716, -0.274453, -0.321263)
            .setRow(2, 0.211456, -0.522591, 0.311135);
    /** The exact inverse; its first column is (1, 1, 1) because the I and Q rows sum to 0 and the Y row to 1. */
    public static final Matrix3d YIQ_TO_RGB = new Matrix3d(RGB_TO_YIQ).invert();

    /** Planar (3, H, W) image → planar YIQ (3, H, W). */
    public static float[] toYiq(Image im) {
        int n = im.pixels();
        float[] v = im.rgb(), out = new float[3 * n];
        Vector3d p = new Vector3d();
        for (int j = 0; j < n; j++) {
            RGB_TO_YIQ.transform(p.set(v[j], v[n + j], v[2 * n + j]));
            out[j] = (float) p.x;
            out[n + j] = (float) p.y;
            out[2 * n + j] = (float) p.z;
        }
        return out;
    }

    /** The luminance Y of every pixel (H·W). */
    public static double[] luminance(Image im) {
        int n = im.pixels();
        float[] v = im.rgb();
        double[] y = new double[n];
        for (int j = 0; j < n; j++) y[j] = RGB_TO_YIQ.m00 * v[j] + RGB_TO_YIQ.m10 * v[n + j] + RGB_TO_YIQ.m20 * v[2 * n + j];
        return y;
    }

    /** A grey image whose three channels are the luminance of {@code im}. */
    public static Image luminanceImage(Image im) {
        return grey(im.width(), im.height(), luminance(im));
    }

    /**
     * The style's luminance as a grey image, with its mean and standard deviation matched to the
     * content's: L' = σc/σs · (Ls − μs) + μc (Gatys et al. 2017, section 2.1).
     */
    public static Image matchedLuminance(Image style, Image content) {
        double[] ls = luminance(style), lc = luminance(content);
        double ms = mean(ls), mc = mean(lc), ss = Math.sqrt(variance(ls, ms)), sc = Math.sqrt(variance(lc, mc));
        double k = ss > 1e-12 ? sc / ss : 1;
        for (int j = 0; j < ls.length; j++) ls[j] = k * (ls[j] - ms) + mc;
        return grey(style.width(), style.height(), ls);
    }

    private static Image grey(int w, int h, double[] y) {
        int n = w * h;
        float[] out = new float[3 * n];
        for (int j = 0; j < n; j++) out[j] = out[n + j] = out[2 * n + j] = (float) y[j];
        return new Image(w, h, out);
    }

    /**
     * Recombines the luminance of {@code result} with the chroma (I, Q) of {@code content} (same size).
     * Where the new luminance would push a pixel out of the RGB cube, Y is clamped to the range that
     * keeps it inside, so the written 8-bit image keeps the content's chroma exactly (up to rounding).
     */
    public static Image recombine(Image result, Image content) {
        if (result.width() != content.width() || result.height() != content.height())
            throw new IllegalArgumentException("recombine: " + result + " vs " + content);
        int n = result.pixels();
        double[] y = luminance(result);
        float[] c = content.rgb(), out = new float[3 * n];
        Vector3d p = new Vector3d();
        for (int j = 0; j < n; j++) {
            RGB_TO_YIQ.transform(p.set(clamp01(c[j]), clamp01(c[n + j]), clamp01(c[2 * n + j])));
            YIQ_TO_RGB.transform(p.set(0, p.y, p.z));               // the chroma's RGB offset; add Y·(1,1,1) to it
            double lo = Math.max(-p.x, Math.max(-p.y, -p.z)), hi = Math.min(1 - p.x, Math.min(1 - p.y, 1 - p.z));
            double yy = lo <= hi ? Math.min(hi, Math.max(lo, y[j])) : (lo + hi) / 2;
            out[j] = (float) (p.x + yy);
            out[n + j] = (float) (p.y + yy);
            out[2 * n + j] = (float) (p.z + yy);
        }
        return new Image(result.width(), result.height(), out);
    }

    private static double clamp01(double v) { return Math.min(1, Math.max(0, v)); }

    /** Mean colour (3) of an image. */
    public static double[] colourMean(Image im) {
        int n = im.pixels();
        float[] v = im.rgb();
        double[] m = new double[3];
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += v[c * n + j];
            m[c] = s / n;
        }
        return m;
    }

    /** Colour covariance (3 × 3, divided by the pixel count) of an image around {@code mean}. */
    public static double[][] colourCovariance(Image im, double[] mean) {
        int n = im.pixels();
        float[] v = im.rgb();
        double[][] s = new double[3][3];
        for (int j = 0; j < n; j++) {
            double r = v[j] - mean[0], g = v[n + j] - mean[1], b = v[2 * n + j] - mean[2];
            s[0][0] += r * r; s[0][1] += r * g; s[0][2] += r * b;
            s[1][1] += g * g; s[1][2] += g * b; s[2][2] += b * b;
        }
        s[1][0] = s[0][1]; s[2][0] = s[0][2]; s[2][1] = s[1][2];
        for (double[] row : s) for (int k = 0; k < 3; k++) row[k] /= n;
        return s;
    }

    /**
     * The style recoloured so its colour mean and covariance are the content's:
     * x' = A (x − μs) + μc with A = Σc^{1/2} Σs^{-1/2} (symmetric square roots by eigen-decomposition).
     * Values are not clamped: the network takes them as they are.
     */
    public static Image matchHistogram(Image style, Image content) {
        double[] ms = colourMean(style), mc = colourMean(content);
        RealMatrix ss = MatrixUtils.createRealMatrix(colourCovariance(style, ms));
        RealMatrix sc = MatrixUtils.createRealMatrix(colourCovariance(content, mc));
        RealMatrix a = symmetricPower(sc, 0.5).multiply(symmetricPower(ss, -0.5));
        Matrix3d m = new Matrix3d();
        for (int r = 0; r < 3; r++) m.setRow(r, a.getEntry(r, 0), a.getEntry(r, 1), a.getEntry(r, 2));
        int n = style.pixels();
        float[] v = style.rgb(), out = new float[3 * n];
        Vector3d p = new Vector3d();
        for (int j = 0; j < n; j++) {
            m.transform(p.set(v[j] - ms[0], v[n + j] - ms[1], v[2 * n + j] - ms[2]));
            out[j] = (float) (p.x + mc[0]);
            out[n + j] = (float) (p.y + mc[1]);
            out[2 * n + j] = (float) (p.z + mc[2]);
        }
        return new Image(style.width(), style.height(), out);
    }

    /**
     * S^p for a symmetric positive semi-definite S via S = V Λ Vᵀ. Eigenvalues below 1e-10 (a style with
     * no spread along some colour direction) are raised to 1e-10: the centred colours have no component
     * along such a direction, so the choice does not change the result.
     */
    static RealMatrix symmetricPower(RealMatrix s, double p) {
        EigenDecomposition e = new EigenDecomposition(s);
        RealMatrix v = e.getV();
        double[] lambda = e.getRealEigenvalues();
        double[] powered = new double[lambda.length];
        for (int i = 0; i < lambda.length; i++) powered[i] = Math.pow(Math.max(lambda[i], 1e-10), p);
        return v.multiply(MatrixUtils.createRealDiagonalMatrix(powered)).multiply(v.transpose());
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }

    private static double variance(double[] v, double m) {
        double s = 0;
        for (double d : v) s += (d - m) * (d - m);
        return s / v.length;
    }
}
