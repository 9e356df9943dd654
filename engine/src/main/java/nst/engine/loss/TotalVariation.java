package nst.engine.loss;

/**
 * Total variation on the [0,1] RGB image (docs/DESIGN.md): L_tv = Σ (x[c,i+1,j] − x[c,i,j])² + (x[c,i,j+1] − x[c,i,j])².
 * Computed on the host in double: the image is small next to the network. Leaves out other TV norms.
 */
public final class TotalVariation {
    private TotalVariation() {}

    /** L_tv of x (3, H, W). */
    public static double value(float[] x, int h, int w) {
        double sum = 0;
        for (int c = 0; c < 3; c++) {
            int base = c * h * w;
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int p = base + i * w + j;
                    if (i + 1 < h) { double d = (double) x[p + w] - x[p]; sum += d * d; }
                    if (j + 1 < w) { double d = (double) x[p + 1] - x[p]; sum += d * d; }
                }
            }
        }
        return sum;
    }

    /** Adds γ · dL_tv/dx into grad (3, H, W) and returns the unweighted L_tv. */
    public static double addGradient(float[] x, float[] grad, int h, int w, double gamma) {
        double sum = 0;
        float g2 = (float) (2 * gamma);
        for (int c = 0; c < 3; c++) {
            int base = c * h * w;
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int p = base + i * w + j;
                    if (i + 1 < h) {
                        float d = x[p + w] - x[p];
                        sum += (double) d * d;
                        grad[p + w] += g2 * d;
                        grad[p] -= g2 * d;
                    }
                    if (j + 1 < w) {
                        float d = x[p + 1] - x[p];
                        sum += (double) d * d;
                        grad[p + 1] += g2 * d;
                        grad[p] -= g2 * d;
                    }
                }
            }
        }
        return sum;
    }
}
