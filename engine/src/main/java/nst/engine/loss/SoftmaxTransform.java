package nst.engine.loss;

import nst.kernels.Backend;
import nst.kernels.Buffer;

/**
 * SWAG, the softmax transformation of Wang, Li &amp; Vasconcelos ("Rethinking and Improving the Robustness of Image
 * Style Transfer", CVPR 2021, arXiv 2104.05623): the activation F of a loss layer is replaced by a softmax over all
 * its C·H·W entries before the Gram matrix and the content loss see it. Residual networks make peaky, low-entropy
 * activations whose Grams carry little style; the softmax smooths them.
 * <pre>
 *   σ(F)_i  = N · exp(F_i / T) / Σ_j exp(F_j / T)        i, j over all N = C·H·W entries of the layer, T = 10
 *   dL/dF_i = (N / T) · p_i · (g_i − Σ_j p_j g_j)          p = softmax(F / T), g = dL/dσ
 * </pre>
 * Temperature: one softmax over the whole flattened activation, F divided by a fixed T first, as the authors' code
 * does ({@code softmax3d(x / T)}: {@code nn.Softmax} over the activation reshaped to one row; their script carries
 * {@code T = 1} and a commented {@code T = 100}). We use T = 10, the same for every layer and image: ResNet
 * activations after a ReLU reach 10 to 30 (measured on seeded random weights, 128 px), so with T = 1 the softmax
 * over 10⁵ entries is nearly one-hot, the gradient reaches a handful of pixels and a 30-iteration run leaves the
 * content image unchanged; with T = 100 it is nearly linear (σ ≈ 1 + (F − mean)/T) and the content term fades; T = 10
 * stylizes (docs/DESIGN.md, ResNet-50). The factor N is ours: the paper's softmax sums to 1, so its entries are about
 * 1/N and the losses on them shrink as N⁻² (content) and N⁻⁴ (style) with the image size; times N the entries
 * average 1 like ordinary activations and one set of loss weights works at every size. It is a constant per layer,
 * so it changes only the loss weights (content by N², style by N⁴), not where the optimum lies.
 *
 * <p>Computed on the host in double precision (download, transform, upload): it is O(N) next to the convolutions'
 * O(N·C·k²); the exponentials are taken at F − max F, so nothing overflows. Leaves out a backend kernel.
 * {@link Transformed} makes a {@link FeatureLoss} on σ(F) from a unit on features.
 */
public final class SoftmaxTransform implements AutoCloseable {
    /** T, the softmax temperature. */
    public static final double TEMPERATURE = 10.0;

    private final Backend backend;
    private final int n;
    /** σ(F) of the last {@link #forward} (N), and the transform's gradient scratch (N). */
    private final Buffer out, dOut;
    /** Host scratch: F (at least N; a plan's buffer may be longer), p = softmax(F / T), and g. */
    private float[] host;
    private final double[] p;
    private final float[] g;

    public SoftmaxTransform(Backend backend, int n) {
        if (n <= 0) throw new IllegalArgumentException("softmax transform of " + n + " entries");
        this.backend = backend;
        this.n = n;
        this.out = backend.allocate(n);
        this.dOut = backend.allocate(n);
        this.p = new double[n];
        this.g = new float[n];
    }

    public int size() { return n; }

    /** σ(F) of the last {@link #forward}, on the backend (N). */
    public Buffer output() { return out; }

    /** σ(F) := N · softmax(F / T) of the first N entries of {@code features}; returns {@link #output()}. */
    public Buffer forward(Buffer features) {
        float[] f = hostFor(features);
        backend.download(f, features);
        float[] s = g;                                         // g is free between backward passes: σ's floats
        forward(f, n, TEMPERATURE, p, s);
        backend.upload(out, s);
        return out;
    }

    /** dF += J_σᵀ · dS for the F of the last {@link #forward}; {@code dS} holds dL/dσ (N). */
    public void backward(Buffer dFeatures, Buffer dS) {
        backend.download(g, dS);
        float[] dx = hostFor(dS);
        backward(p, g, n, TEMPERATURE, dx);
        backend.upload(dOut, dx);                              // the first N floats
        backend.addScaled(dFeatures, dOut, 1f, n);
    }

    private float[] hostFor(Buffer b) {
        int len = Math.max(n, b.length());
        if (host == null || host.length < len) host = new float[len];   // once per buffer size: evaluations reuse it
        return host;
    }

    // ---------------------------------------------------------------- the reference on host arrays (also what runs)

    /** p := softmax(x[0..n) / t) (double), s := n · p. */
    public static void forward(float[] x, int n, double t, double[] p, float[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((x[i] - max) / t);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
            s[i] = (float) (n * p[i]);
        }
    }

    /** dx[0..n) := (n / t) · p_i · (g_i − Σ_j p_j g_j), the backward of s = n · softmax(x / t). */
    public static void backward(double[] p, float[] g, int n, double t, float[] dx) {
        double dot = 0;
        for (int i = 0; i < n; i++) dot += p[i] * g[i];
        double k = n / t;
        for (int i = 0; i < n; i++) dx[i] = (float) (k * p[i] * (g[i] - dot));
    }

    /**
     * {@code unit} applied to σ(F) of N = {@link #size()} entries. Closing it releases the transform; the unit stays
     * its owner's to close.
     */
    public record Transformed(FeatureLoss unit, SoftmaxTransform transform) implements FeatureLoss {
        @Override public double value(Buffer features) { return unit.value(transform.forward(features)); }

        /** dF += J_σᵀ · (scale · dL/dσ), for the features {@link #value} last saw. */
        @Override public void addGradient(Buffer dFeatures, Buffer features, double scale) {
            backend().zero(transform.dOut);
            unit.addGradient(transform.dOut, transform.out, scale);
            transform.backward(dFeatures, transform.dOut);
        }

        private Backend backend() { return transform.backend; }

        @Override public void close() { transform.close(); }
    }

    @Override
    public void close() {
        out.close();
        dOut.close();
    }
}
