package nst.engine.loss;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.VggSpec;
import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.Arrays;
import java.util.List;

/**
 * The style loss at one layer with guided (masked) Gram matrices (Gatys et al. 2017, "Controlling perceptual
 * factors", §4): one {@link StyleLoss} per region r, fed the masked features F∘m_r. With one mask m_r ∈ [0,1]
 * per style, carried to the layer's size by {@link #downsampleMask}:
 * <pre>
 *   G_r  = (F∘m_r)(F∘m_r)ᵀ / (C · Σ_j m_r[j]²)       (F∘m scales column j of F (C, HW) by m[j])
 *   L    = Σ_r a_r · mean((G_r − A_r)²),   a_r = Σ_j m_r[j]² / HW,   A_r = G(s_r)
 *   dL/dF = Σ_r a_r · (dL_r/d(F∘m_r)) ∘ m_r
 * </pre>
 * The normaliser Σm² makes G_r the Gram of the region's own features (a constant mask c gives the plain G for
 * any c), and the area weight a_r keeps the loss per pixel as strong as without masks: a single all-white mask
 * reproduces the unmasked loss and gradient exactly. A region with Σm² = 0 at this layer is left out. The
 * product F∘m runs on the host (one download and upload per region and evaluation): the Backend contract has no
 * broadcast multiply, and on the CPU backends it is a copy. Leaves out w_l and β.
 */
public final class GuidedStyleLoss implements FeatureLoss {

    /**
     * One region: its loss on the masked features, its mask at this layer (HW), its area weight a_r, and whether
     * it is present here (Σm² > 0; an absent region keeps its target for inspection but adds nothing).
     */
    private record Region(StyleLoss loss, float[] mask, double area, boolean present) {}

    /**
     * Host and device scratch shared by all the guided losses of one objective, each sized for the largest
     * masked layer (C·HW): host F, F∘m, the accumulated dF and one region's dF; device F∘m and d/d(F∘m).
     */
    public static final class Scratch implements AutoCloseable {
        final float[] f, fm, acc, tmp;
        final Buffer devFm, devDFm;

        public Scratch(Backend backend, int n) {
            f = new float[n];
            fm = new float[n];
            acc = new float[n];
            tmp = new float[n];
            devFm = backend.allocate(n);
            devDFm = backend.allocate(n);
        }

        @Override
        public void close() {
            devFm.close();
            devDFm.close();
        }
    }

    private final Backend backend;
    private final int c, hw;
    private final Region[] regions;
    private final Scratch scratch;

    /**
     * @param masks one per style, each already at this layer's size (HW values in [0,1]), region r taking style r
     */
    public GuidedStyleLoss(Backend backend, int channels, int positions, List<float[]> masks, Scratch scratch) {
        this.backend = backend;
        this.c = channels;
        this.hw = positions;
        this.scratch = scratch;
        this.regions = new Region[masks.size()];
        try {
            for (int r = 0; r < regions.length; r++) {
                float[] m = masks.get(r);
                if (m.length != hw) throw new IllegalStateException("mask " + r + " has " + m.length + " pixels, the layer " + hw);
                double sumSq = 0;
                for (float v : m) sumSq += (double) v * v;
                boolean present = sumSq > 1e-12;
                regions[r] = new Region(new StyleLoss(backend, c, hw, present ? (float) (1.0 / (c * sumSq)) : 0f), m, sumSq / hw, present);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A_r := G(F_s) of style r's features F_s (C, styleHw), region r taking style r alone. */
    public void addStyle(int region, Buffer styleFeatures, int styleHw, Buffer gramScratch) {
        regions[region].loss.addStyle(styleFeatures, styleHw, 1f, gramScratch);
    }

    public int regions() { return regions.length; }

    /** Region r's unit, for inspection. */
    public StyleLoss region(int r) { return regions[r].loss; }

    /** Σ_r a_r · mean((G_r − A_r)²). */
    @Override
    public double value(Buffer features) {
        backend.download(scratch.f, features);
        double sum = 0;
        for (Region r : regions) {
            if (!r.present) continue;
            uploadMasked(r.mask);
            sum += r.area * r.loss.value(scratch.devFm);
        }
        return sum;
    }

    /** dF += scale · Σ_r a_r · (dL_r/d(F∘m_r)) ∘ m_r, accumulated on the host and added once. */
    @Override
    public void addGradient(Buffer dFeatures, Buffer features, double scale) {
        int n = c * hw;
        backend.download(scratch.f, features);
        Arrays.fill(scratch.acc, 0, n, 0f);
        boolean any = false;
        for (Region r : regions) {
            if (!r.present) continue;
            any = true;
            uploadMasked(r.mask);
            backend.zero(scratch.devDFm);
            r.loss.addGradient(scratch.devDFm, scratch.devFm, scale * r.area);
            backend.download(scratch.tmp, scratch.devDFm);
            for (int i = 0; i < c; i++) {
                int base = i * hw;
                for (int j = 0; j < hw; j++) scratch.acc[base + j] += scratch.tmp[base + j] * r.mask[j];
            }
        }
        if (!any) return;
        backend.upload(scratch.devDFm, scratch.acc);
        backend.addScaled(dFeatures, scratch.devDFm, 1f, n);
    }

    /** Device F∘m from the host copy of F (C, HW). */
    private void uploadMasked(float[] m) {
        for (int i = 0; i < c; i++) {
            int base = i * hw;
            for (int j = 0; j < hw; j++) scratch.fm[base + j] = scratch.f[base + j] * m[j];
        }
        backend.upload(scratch.devFm, scratch.fm);
    }

    @Override
    public void close() {
        for (Region r : regions) if (r != null) r.loss.close();
    }

    // ---------------------------------------------------------------- masks at the image's and a layer's size

    /** Each mask as one value per pixel (mean of R, G, B, clamped to [0,1]) at the image's size (H·W). */
    public static float[][] maskValues(List<Image> masks, int width, int height) {
        float[][] out = new float[masks.size()][];
        for (int r = 0; r < masks.size(); r++) {
            Image m = Images.resize(masks.get(r), width, height);
            int n = m.pixels();
            float[] v = new float[n];
            for (int j = 0; j < n; j++) v[j] = Math.min(1f, Math.max(0f, (m.rgb()[j] + m.rgb()[n + j] + m.rgb()[2 * n + j]) / 3f));
            out[r] = v;
        }
        return out;
    }

    /** A mask (H·W) carried to layer {@code layer}'s size: 2×2 average pooling (floor sizes) at every pooling layer up to it. */
    public static float[] downsampleMask(VggSpec spec, float[] mask, int height, int width, int layer) {
        float[] m = mask;
        int h = height, w = width;
        for (int i = 0; i <= layer; i++) {
            if (spec.layers().get(i).kind() != VggSpec.Kind.POOL) continue;
            int nh = h / 2, nw = w / 2;
            float[] d = new float[nh * nw];
            for (int y = 0; y < nh; y++)
                for (int x = 0; x < nw; x++)
                    d[y * nw + x] = (m[2 * y * w + 2 * x] + m[2 * y * w + 2 * x + 1] + m[(2 * y + 1) * w + 2 * x] + m[(2 * y + 1) * w + 2 * x + 1]) / 4f;
            m = d;
            h = nh;
            w = nw;
        }
        return m == mask ? mask.clone() : m;
    }
}
