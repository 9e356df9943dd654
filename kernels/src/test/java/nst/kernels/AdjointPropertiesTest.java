package nst.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backward passes are the adjoints (transposes) of the forward passes, on random shapes, strides and
 * paddings: ⟨conv x, y⟩ = ⟨x, convᵀ y⟩ (forward without bias against backward-data), ⟨avgpool x, y⟩ =
 * ⟨x, avgpoolᵀ y⟩, and for max pooling, with the argmax pattern fixed by x, ⟨maxpool x, y⟩ = ⟨x, maxpoolᵀ_x y⟩.
 * Unlike a comparison with the scalar reference this needs no second implementation: a backend whose forward
 * and backward agree with each other but not with the transpose (a flipped kernel, a stride or padding
 * mix-up in one of them) fails. Each backend's test module extends this class and says how to create it.
 *
 * <p>Tolerance from float32 error: both sides are inner products taken in double of float32 results. Each
 * output of the forward is a float32 sum of K_f = inC·kH·kW products, off by at most about K_f·u·(|W||x|)ᵢ
 * (u = 2⁻²⁴; Higham's γ_K bound), and each backward output one of at most K_b = outC·kH·kW, off by
 * K_b·u·(|Wᵀ||y|)ⱼ; so |⟨Ax, y⟩ − ⟨x, Aᵀy⟩| ≤ (K_f + K_b)·u·⟨|W||x|, |y|⟩ (+ the double sums' negligible
 * error). The bound S = ⟨|W||x|, |y|⟩ is computed with the scalar reference on absolute values. Winograd's
 * transforms are not covered by γ_K, but their errors on random data stay far below this worst case.
 * Pooling: averages are one sum of k² terms and a scaling (k² + 2)·u; max pooling moves values without
 * arithmetic, so only the float32 sums of overlapping windows' gradients round (k²·u).
 */
public abstract class AdjointPropertiesTest {

    /** The backend under test, created fresh for each test. */
    protected abstract Backend createBackend();

    protected Backend b;
    private final Backend ref = new ScalarBackend();
    private final SplittableRandom rnd = new SplittableRandom(20261202);
    static final double U = Math.ulp(1.0f) / 2;

    @BeforeEach void open() { b = createBackend(); }
    @AfterEach void close() { b.close(); }

    /** Random shapes (kernel 1–5, stride 1–3, padding 0 to kernel−1, odd sizes) and VGG-sized ones for the fast paths. */
    protected List<ConvShape> convShapes() {
        List<ConvShape> l = new ArrayList<>();
        while (l.size() < 24) {
            int kh = 1 + rnd.nextInt(5), kw = 1 + rnd.nextInt(5);
            int ph = rnd.nextInt(kh), pw = rnd.nextInt(kw);
            int h = Math.max(1, kh - 2 * ph) + rnd.nextInt(20), w = Math.max(1, kw - 2 * pw) + rnd.nextInt(20);
            l.add(new ConvShape(1 + rnd.nextInt(12), h, w, 1 + rnd.nextInt(12), kh, kw, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), ph, pw));
        }
        l.add(ConvShape.vgg3x3(3, 64, 37, 29));
        l.add(ConvShape.vgg3x3(64, 64, 28, 28));
        l.add(ConvShape.vgg3x3(128, 256, 14, 13));
        l.add(ConvShape.vgg3x3(256, 256, 7, 9));
        return l;
    }

    protected List<PoolShape> poolShapes() {
        List<PoolShape> l = new ArrayList<>(List.of(new PoolShape(64, 28, 28, 2, 2), new PoolShape(3, 37, 29, 2, 2), new PoolShape(5, 9, 17, 3, 2)));
        while (l.size() < 16) {
            int k = 1 + rnd.nextInt(4);
            l.add(new PoolShape(1 + rnd.nextInt(9), k + rnd.nextInt(25), k + rnd.nextInt(25), k, 1 + rnd.nextInt(3)));
        }
        return l;
    }

    @Test void convBackwardDataIsTheTransposeOfForward() {
        for (ConvShape s : convShapes()) {
            float[] x = random(s.inSize()), w = random(s.weightSize()), y = random(s.outSize());
            Buffer out = b.allocate(s.outSize()), dIn = b.allocate(s.inSize());
            b.conv2dForward(out, put(b, x), put(b, w), null, s);
            b.zero(dIn);
            b.conv2dBackwardData(dIn, put(b, y), put(b, w), s);
            Buffer absOut = ref.allocate(s.outSize());
            ref.conv2dForward(absOut, put(ref, abs(x)), put(ref, abs(w)), null, s);
            double bound = (s.inC() * s.kH() * s.kW() + s.outC() * s.kH() * s.kW()) * U * dot(get(ref, absOut), abs(y));
            check("conv " + s, dot(get(b, out), y), dot(x, get(b, dIn)), bound);
        }
    }

    @Test void avgPoolBackwardIsTheTransposeOfForward() {
        for (PoolShape s : poolShapes()) {
            float[] x = random(s.inSize()), y = random(s.outSize());
            Buffer out = b.allocate(s.outSize()), dIn = b.allocate(s.inSize());
            b.avgPoolForward(out, put(b, x), s);
            b.zero(dIn);
            b.avgPoolBackward(dIn, put(b, y), s);
            Buffer absOut = ref.allocate(s.outSize());
            ref.avgPoolForward(absOut, put(ref, abs(x)), s);
            double bound = 2 * (s.k() * s.k() + 2) * U * dot(get(ref, absOut), abs(y));
            check("avg pool " + s, dot(get(b, out), y), dot(x, get(b, dIn)), bound);
        }
    }

    @Test void maxPoolBackwardIsTheTransposeOfForwardAtFixedArgmax() {
        for (PoolShape s : poolShapes()) {
            float[] x = random(s.inSize()), y = random(s.outSize());
            Buffer in = put(b, x), out = b.allocate(s.outSize()), dIn = b.allocate(s.inSize());
            b.maxPoolForward(out, in, s);
            b.zero(dIn);
            b.maxPoolBackward(dIn, put(b, y), in, s);
            float[] pooled = get(b, out);
            double bound = s.k() * s.k() * U * dot(abs(pooled), abs(y));
            check("max pool " + s, dot(pooled, y), dot(x, get(b, dIn)), bound);
        }
    }

    static void check(String what, double lhs, double rhs, double bound) {
        assertTrue(Math.abs(lhs - rhs) <= bound && bound > 0,
                String.format("%s: <forward x, y> = %.12g but <x, backward y> = %.12g; |diff| %.3e > float32 bound %.3e", what, lhs, rhs, Math.abs(lhs - rhs), bound));
    }

    float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) a[i] = Math.abs(v[i]);
        return a;
    }

    static double dot(float[] a, float[] c) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * c[i];
        return s;
    }

    static Buffer put(Backend be, float[] v) {
        Buffer buf = be.allocate(v.length);
        be.upload(buf, v);
        return buf;
    }

    static float[] get(Backend be, Buffer buf) {
        float[] v = new float[buf.length()];
        be.download(v, buf);
        return v;
    }
}
