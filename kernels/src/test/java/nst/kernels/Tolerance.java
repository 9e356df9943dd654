package nst.kernels;

/**
 * The one place tolerances live (docs/DESIGN.md): |a − b| ≤ atol + rtol·|b|, per precision and purpose.
 * Comparisons print the first values and the max difference so a failure can be read at once.
 */
public record Tolerance(String what, double atol, double rtol) {

    /** A fast float32 kernel against the scalar reference (double accumulators). */
    public static final Tolerance KERNEL_F32 = new Tolerance("float32 kernel vs scalar reference", 1e-5, 2e-4);
    /** Winograd-style transforms lose a little more; used where a backend states so. */
    public static final Tolerance KERNEL_F32_LOOSE = new Tolerance("float32 transformed kernel vs reference", 1e-4, 1e-3);
    /** Selection ops (max pooling's value and argmax): no arithmetic, so results must be identical. */
    public static final Tolerance EXACT = new Tolerance("identical (selection, no arithmetic)", 0, 0);
    /** Our float32 network against PyTorch's float32 network (summation orders differ). */
    public static final Tolerance GOLDEN_F32 = new Tolerance("nst vs PyTorch float32", 1e-5, 2e-3);

    /**
     * Our float32 network against PyTorch's: |a − b| ≤ 1e-4·max|b| + 2e-3·|b|. The absolute part scales
     * with the tensor, since activations, Grams and gradients span many orders of magnitude.
     */
    public static Tolerance golden(float[] expected) {
        double m = 0;
        for (float v : expected) m = Math.max(m, Math.abs(v));
        return new Tolerance("nst vs PyTorch float32 (atol 1e-4·max|expected|)", 1e-4 * m, 2e-3);
    }

    public boolean close(double a, double b) {
        return Math.abs(a - b) <= atol + rtol * Math.abs(b) || (Double.isNaN(a) && Double.isNaN(b));
    }

    /** Throws an AssertionError naming {@code label}, the first bad index, the max difference and the first values. */
    public void assertClose(String label, float[] actual, float[] expected) {
        assertClose(label, actual, expected, null);
    }

    public void assertClose(String label, float[] actual, float[] expected, String hint) {
        if (actual.length != expected.length)
            throw new AssertionError(label + ": length " + actual.length + " != expected " + expected.length);
        int bad = -1, worst = 0;
        double maxDiff = 0, maxRatio = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            double allowed = atol + rtol * Math.abs(expected[i]);
            if (d > maxDiff) maxDiff = d;
            if (d / allowed > maxRatio) { maxRatio = d / allowed; worst = i; }
            if (bad < 0 && !close(actual[i], expected[i])) bad = i;
        }
        if (bad >= 0) {
            throw new AssertionError(String.format(
                    "%s: %s out of tolerance (atol %.1e, rtol %.1e); first bad index %d: %s vs expected %s; "
                            + "worst index %d: %s vs %s; max |diff| %.3e%n  actual   %s%n  expected %s%s",
                    label, what, atol, rtol, bad, actual[bad], expected[bad], worst, actual[worst], expected[worst],
                    maxDiff, head(actual), head(expected), hint == null ? "" : "\n  " + hint));
        }
    }

    public void assertClose(String label, double actual, double expected) {
        if (!close(actual, expected))
            throw new AssertionError(String.format("%s: %s vs expected %s (|diff| %.3e; atol %.1e, rtol %.1e, %s)",
                    label, actual, expected, Math.abs(actual - expected), atol, rtol, what));
    }

    /** Largest |a − b|, for reports. */
    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static String head(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(6, v.length); i++) sb.append(i == 0 ? "" : ", ").append(v[i]);
        return sb.append(v.length > 6 ? ", …]" : "]").toString();
    }
}
