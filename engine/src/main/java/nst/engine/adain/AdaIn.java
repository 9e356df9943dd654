package nst.engine.adain;

import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.List;

/**
 * Adaptive instance normalisation (Huang &amp; Belongie, ICCV 2017, eq. 8), as the public PyTorch code computes it:
 * per channel, AdaIN(x, s) = σ(s)·(x − μ(x))/σ(x) + μ(s), with μ the mean over the positions and σ the square root
 * of the <em>unbiased</em> variance plus 1e-5. Also the controls of that code's {@code test.py}: several styles
 * blended by weights (normalised to sum 1) and the content–style trade-off α:
 * <pre>
 *   t   = Σ_k w_k · AdaIN(x, s_k)
 *   out = α · t + (1 − α) · x
 * </pre>
 * Every term is affine in x per channel, so the whole of it is out[c] = a[c]·x[c] + b[c] with
 * a = α·Σ_k w_k σ_k/σ(x) + (1 − α) and b = α·(Σ_k w_k μ_k − Σ_k w_k σ_k · μ(x)/σ(x)): the statistics come from the
 * backend ({@link Backend#channelMeanStd}, 2C floats), the 2C coefficients are worked out here in double, and
 * {@link Backend#channelAffine} applies them where the features live. Leaves out the spatial masks of the original
 * release and the gradient (the feed-forward path needs neither yet).
 */
public final class AdaIn {
    private AdaIn() {}

    /** Added to the variance inside the root, as {@code calc_mean_std} in the public code. */
    public static final float EPS = 1e-5f;

    /** Per-channel mean μ and standard deviation σ = √(unbiased variance + {@link #EPS}) of one feature map. */
    public record Statistics(float[] mean, float[] std) {
        public Statistics {
            if (mean.length != std.length)
                throw new IllegalArgumentException("statistics of " + mean.length + " means but " + std.length + " deviations");
        }

        public int channels() { return mean.length; }
    }

    /** The statistics of {@code features}, computed on the backend; only the 2C results come back to the host. */
    public static Statistics statistics(Backend backend, Tensor features) {
        int c = features.channels(), hw = features.positions();
        if (hw < 2)
            throw new IllegalArgumentException("AdaIN needs at least 2 positions per channel to estimate a deviation, got a "
                    + features.height() + "x" + features.width() + " feature map: the image is too small for the encoder");
        float[] both = new float[2 * c];
        try (Buffer out = backend.allocate(2 * c)) {
            backend.channelMeanStd(out, features.buffer(), c, hw, EPS);
            backend.download(both, out);
        }
        return new Statistics(java.util.Arrays.copyOfRange(both, 0, c), java.util.Arrays.copyOfRange(both, c, 2 * c));
    }

    /**
     * The 2C coefficients (a[0..C), then b[0..C)) of out = a·x + b for content statistics {@code content}, styles
     * {@code styles} blended by {@code weights} (non-negative, any positive sum: they are normalised) and α.
     */
    public static float[] coefficients(Statistics content, List<Statistics> styles, double[] weights, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("AdaIN alpha must be in [0, 1], got " + alpha);
        if (styles.isEmpty()) throw new IllegalArgumentException("AdaIN needs at least one style");
        if (weights.length != styles.size())
            throw new IllegalArgumentException("AdaIN got " + styles.size() + " styles but " + weights.length + " blend weights");
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w))
                throw new IllegalArgumentException("AdaIN blend weights must be finite and not negative, got " + w);
            total += w;
        }
        if (total <= 0) throw new IllegalArgumentException("AdaIN blend weights must not all be zero");
        int c = content.channels();
        for (Statistics s : styles)
            if (s.channels() != c)
                throw new IllegalArgumentException("AdaIN style features have " + s.channels() + " channels, the content " + c);
        float[] coeffs = new float[2 * c];
        for (int ch = 0; ch < c; ch++) {
            double targetStd = 0, targetMean = 0;            // Σ_k w_k σ_k and Σ_k w_k μ_k, weights normalised
            for (int k = 0; k < styles.size(); k++) {
                targetStd += weights[k] / total * styles.get(k).std()[ch];
                targetMean += weights[k] / total * styles.get(k).mean()[ch];
            }
            double gain = targetStd / content.std()[ch];        // the normalised content is (x − μ(x)) / σ(x)
            coeffs[ch] = (float) (alpha * gain + (1 - alpha));
            coeffs[c + ch] = (float) (alpha * (targetMean - gain * content.mean()[ch]));
        }
        return coeffs;
    }

    /**
     * out := α · Σ_k w_k AdaIN(content, styles_k) + (1 − α) · content. The style feature maps may have any size;
     * out has the content's shape and may be the content's own tensor.
     */
    public static void apply(Backend backend, Tensor out, Tensor content, List<Tensor> styles, double[] weights, double alpha) {
        if (out.channels() != content.channels() || out.positions() != content.positions())
            throw new IllegalArgumentException("AdaIN output " + out + " does not match the content features " + content);
        List<Statistics> styleStats = styles.stream().map(s -> statistics(backend, s)).toList();
        float[] coeffs = coefficients(statistics(backend, content), styleStats, weights, alpha);
        try (Buffer b = backend.allocate(coeffs.length)) {
            backend.upload(b, coeffs);
            backend.channelAffine(out.buffer(), content.buffer(), b, content.channels(), content.positions());
        }
    }
}
