package nst.engine;

import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Gatys objective L(x) = α·L_c + β·L_s + γ·L_tv and its gradient w.r.t. the [0,1] image x, exactly
 * as DESIGN.md defines each term. Targets (content features, blended style Grams) are computed once;
 * every buffer is planned once, so {@link #evaluate} allocates nothing. Leaves out the optimiser.
 *
 * <p><b>Guided (masked) Gram matrices</b> (Gatys et al. 2017, "Controlling perceptual factors", §4): with
 * one mask m_r ∈ [0,1] per style r, given at the image's size and carried to each layer's size by 2×2
 * average pooling at every pooling layer (floor sizes, as the network pools), the style term of layer l is
 * <pre>
 *   G_{l,r} = (F∘m_r)(F∘m_r)ᵀ / (C · Σ_j m_r[j]²)          (F∘m_r scales column j of F (C, HW) by m_r[j])
 *   L_s,l   = Σ_r a_r · mean((G_{l,r} − A_{l,r})²),   a_r = Σ_j m_r[j]² / HW,   A_{l,r} = G_l(s_r)
 * </pre>
 * The normaliser Σ m² makes G_{l,r} the Gram of the region's own features (a constant mask c gives the
 * plain G_l for any c), and the area weight a_r keeps the loss per pixel as strong as without masks: a
 * single all-white mask reproduces the unmasked loss and gradient exactly. Regions with Σ m² = 0 at a
 * layer are left out there. The product F∘m runs on the host (one download and upload per masked layer
 * and evaluation): the Backend contract has no broadcast multiply, and on the CPU backends it is a copy.
 *
 * <p><b>Normalised gradients</b> ({@link Config#normalizeGradients()}, as jcjohnson/neural-style's
 * {@code -normalize_gradients}): each loss layer's gradient g_l is replaced by w·g_l / (‖g_l‖₁ + 1e-8)
 * (w the term's weight α·w_l or β·w_l) before being added; the reported loss is unchanged, so the
 * "gradient" is no longer the loss's gradient.
 */
public final class Objective implements AutoCloseable {

    /** Loss weights and layers; {@code normalizeGradients} as in the class comment. */
    public record Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                         double contentWeight, double styleWeight, double tvWeight, boolean normalizeGradients) {
        public Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                      double contentWeight, double styleWeight, double tvWeight) {
            this(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, false);
        }
    }

    /** A content loss term at one layer: target F_l(c) (C, H, W). */
    private record ContentTerm(int layer, double weight, Buffer target, int n) {}

    /**
     * A style loss term at one layer: target A_l (C, C), current G_l (C, C), d loss / d G_l (C, C). With masks,
     * one term per (layer, region): {@code mask} (H_l·W_l) the region's mask at this layer, {@code area} a_r,
     * {@code gramScale} 1/(C·Σm²); without, mask null, area 1, gramScale 1/(C·HW). {@code index}: the
     * position of the layer in the style-layer list.
     */
    private record StyleTerm(int layer, double weight, Buffer target, Buffer gram, Buffer dGram, int c, int hw,
                             int index, float[] mask, double area, float gramScale) {}

    private final VggNetwork net;
    private final Backend backend;
    private final Config cfg;
    private final int height, width;
    private final VggNetwork.Plan plan;
    private final List<ContentTerm> content = new ArrayList<>();
    private final List<StyleTerm> style = new ArrayList<>();
    /** Host scratch: the preprocessed image (3, H, W) and d loss / d preprocessed image (3, H, W). */
    private final float[] netInput, dNetInput;
    /** Unweighted per-layer style losses of the last evaluation, in style-layer order. */
    private final double[] styleLayerLoss;
    private final List<Buffer> owned = new ArrayList<>();
    private LossTerms last;
    /** Masked style terms' scratch: host copies of F, F∘m and the accumulated dF (each C·HW of the largest masked layer). */
    private float[] hostF, hostFM, hostAcc, hostTmp;
    /** Device scratch for masked terms: F∘m and d loss / d(F∘m) (largest masked layer). */
    private Buffer devFM, devDFM;
    /** Device scratch for normalised gradients: one layer's gradient before normalisation (largest loss layer). */
    private Buffer normScratch;
    /** Whether masks were given: then every style layer has one term per region (style), in style order. */
    private final boolean masked;

    /**
     * @param contentImage c, at the size of the image being optimised
     * @param styleImages  s_k, each at its own size
     * @param blend        b_k, one per style, summing to 1
     */
    public Objective(VggNetwork net, Config cfg, Image contentImage, List<Image> styleImages, double[] blend) {
        this(net, cfg, contentImage, styleImages, blend, null);
    }

    /**
     * @param masks one per style image (white = that style's region), or null / empty for none; any size
     *              (resampled to the content's size); the blend is then ignored: region r takes style r.
     */
    public Objective(VggNetwork net, Config cfg, Image contentImage, List<Image> styleImages, double[] blend, List<Image> masks) {
        this.net = net;
        this.masked = masks != null && !masks.isEmpty();
        this.backend = net.backend();
        this.cfg = cfg;
        this.height = contentImage.height();
        this.width = contentImage.width();
        VggSpec spec = net.spec();
        if (cfg.contentLayers().isEmpty() && cfg.styleLayers().isEmpty())
            throw new NstException("no loss layers: give --content-layers or --style-layers");
        if (!styleImages.isEmpty() && blend.length != styleImages.size())
            throw new NstException("--style-blend has " + blend.length + " weights for " + styleImages.size() + " style images");
        if (styleImages.isEmpty() && !cfg.styleLayers().isEmpty() && cfg.styleWeight() != 0)
            throw new NstException("style layers are set but no style image was given");
        if (masked && masks.size() != styleImages.size())
            throw new NstException("--mask: give one mask per style image (" + masks.size() + " masks for " + styleImages.size() + " styles)");
        Set<Integer> taps = new TreeSet<>();
        int deepest = 0;
        for (LayerWeight lw : cfg.contentLayers()) deepest = Math.max(deepest, tap(spec, lw, taps));
        List<LayerWeight> styleLayers = styleImages.isEmpty() ? List.of() : cfg.styleLayers();
        for (LayerWeight lw : styleLayers) deepest = Math.max(deepest, tap(spec, lw, taps));
        styleLayerLoss = new double[styleLayers.size()];
        try {
            plan = net.plan(height, width, deepest, taps);
            netInput = new float[3 * height * width];
            dNetInput = new float[3 * height * width];

            // Content targets F_l(c).
            load(plan, contentImage);
            plan.forward();
            for (LayerWeight lw : cfg.contentLayers()) {
                int l = spec.indexOf(lw.layer());
                Buffer t = own(plan.size(l));
                backend.copy(t, plan.activation(l));
                content.add(new ContentTerm(l, lw.weight(), t, plan.size(l)));
            }
            // Style targets A_l = Σ_k b_k G_l(s_k), each style image through its own plan.
            float[][] maskPixels = masked ? maskValues(masks, width, height) : null;
            int maxMasked = 0, maxLoss = 0;
            for (ContentTerm t : content) maxLoss = Math.max(maxLoss, t.n);
            for (int j = 0; j < styleLayers.size(); j++) {
                LayerWeight lw = styleLayers.get(j);
                int l = spec.indexOf(lw.layer());
                int c = plan.channels(l), hw = plan.height(l) * plan.width(l);
                maxLoss = Math.max(maxLoss, c * hw);
                if (!masked) {
                    style.add(new StyleTerm(l, lw.weight(), own(c * c), own(c * c), own(c * c), c, hw, j, null, 1, 1f / ((float) c * hw)));
                    continue;
                }
                maxMasked = Math.max(maxMasked, c * hw);
                for (int r = 0; r < maskPixels.length; r++) {
                    float[] m = downsampleMask(spec, maskPixels[r], height, width, l);
                    if (m.length != hw) throw new IllegalStateException("mask at " + lw.layer() + " has " + m.length + " pixels, layer " + hw);
                    double sumSq = 0;
                    for (float v : m) sumSq += (double) v * v;
                    // a region absent at this layer adds nothing; keep a placeholder so region r stays term r of the layer
                    style.add(new StyleTerm(l, lw.weight(), own(c * c), own(c * c), own(c * c), c, hw, j, m, sumSq / hw,
                            sumSq > 1e-12 ? (float) (1.0 / (c * sumSq)) : 0f));
                }
            }
            if (masked && maxMasked > 0) {
                hostF = new float[maxMasked];
                hostFM = new float[maxMasked];
                hostAcc = new float[maxMasked];
                hostTmp = new float[maxMasked];
                devFM = own(maxMasked);
                devDFM = own(maxMasked);
            }
            if (cfg.normalizeGradients() && maxLoss > 0) normScratch = own(maxLoss);
            if (!style.isEmpty()) {
                Set<Integer> styleTaps = new TreeSet<>();
                int deepestStyle = 0;
                for (LayerWeight lw : styleLayers) deepestStyle = Math.max(deepestStyle, tap(spec, lw, styleTaps));
                Buffer g = own(maxChannels() * maxChannels());
                for (int k = 0; k < styleImages.size(); k++) {
                    Image s = styleImages.get(k);
                    try (VggNetwork.Plan sp = net.forwardPlan(s.height(), s.width(), deepestStyle, styleTaps, plan)) {
                        float[] in = new float[3 * s.pixels()];
                        net.preprocess().forward(in, s.rgb(), s.pixels());
                        backend.upload(sp.input, in);
                        sp.forward();
                        int term = 0;
                        for (StyleTerm t : style) {
                            // with masks, the terms of a layer are its regions in order: region r takes style r alone
                            int region = masked ? term++ % styleImages.size() : -1;
                            if (masked && region != k) continue;
                            int hw = sp.height(t.layer) * sp.width(t.layer);
                            backend.gram(g, sp.activation(t.layer), t.c, hw, 1f / (t.c * hw));
                            backend.addScaled(t.target, g, masked ? 1f : (float) blend[k], t.c * t.c);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Index of the deepest layer a loss with this configuration reads (style layers count only with style images). */
    public static int deepestLayer(VggSpec spec, Config cfg, boolean withStyles) {
        int deepest = 0;
        for (LayerWeight lw : cfg.contentLayers()) deepest = Math.max(deepest, spec.indexOf(lw.layer()));
        if (withStyles) for (LayerWeight lw : cfg.styleLayers()) deepest = Math.max(deepest, spec.indexOf(lw.layer()));
        return deepest;
    }

    private static int tap(VggSpec spec, LayerWeight lw, Set<Integer> taps) {
        int i = spec.indexOf(lw.layer());
        taps.add(i);
        return i;
    }

    private int maxChannels() {
        int m = 1;
        for (StyleTerm t : style) m = Math.max(m, t.c);
        return m;
    }

    private Buffer own(int n) {
        Buffer b = backend.allocate(n);
        owned.add(b);
        return b;
    }

    private void load(VggNetwork.Plan p, Image im) {
        net.preprocess().forward(netInput, im.rgb(), im.pixels());
        backend.upload(p.input, netInput);
    }

    public int height() { return height; }
    public int width() { return width; }
    public Config config() { return cfg; }
    public VggNetwork network() { return net; }
    public VggNetwork.Plan plan() { return plan; }
    public LossTerms lastTerms() { return last; }

    /** Unweighted mean((G_l − A_l)²) per style layer from the last evaluation (style-layer order). */
    public double[] styleLayerLosses() { return styleLayerLoss.clone(); }

    // ---------------------------------------------------------------- inspection (tests, the studio's step-through)

    private float[] download(Buffer b, int n) { return Tensor.download(backend, b, n); }

    /** F_l(x) of the last evaluation (C, H, W). */
    public float[] activation(String layer) {
        return plan.tensor(net.spec().indexOf(layer)).download(backend);
    }

    /** The content target F_l(c) (C, H, W). */
    public float[] contentTarget(String layer) {
        int l = net.spec().indexOf(layer);
        for (ContentTerm t : content) if (t.layer == l) return download(t.target, t.n);
        throw new NstException(layer + " is not a content layer");
    }

    /** The blended style target A_l (C, C). */
    public float[] styleTarget(String layer) { return styleTerm(layer, true); }

    /** G_l(x) of the last evaluation (C, C). */
    public float[] styleGram(String layer) { return styleTerm(layer, false); }

    private float[] styleTerm(String layer, boolean target) {
        int l = net.spec().indexOf(layer);
        for (StyleTerm t : style) if (t.layer == l) return download(target ? t.target : t.gram, t.c * t.c);
        throw new NstException(layer + " is not a style layer");
    }

    /**
     * Loss at x (3, H, W) and its gradient, written into {@code grad} (3, H, W). Allocates nothing.
     */
    public LossTerms evaluate(float[] x, float[] grad) {
        int hw = height * width;
        net.preprocess().forward(netInput, x, hw);
        backend.upload(plan.input, netInput);
        plan.forward();

        double lc = 0, ls = 0;
        for (ContentTerm t : content) lc += t.weight * backend.sumSquaredDifference(plan.activation(t.layer), t.target, t.n) / t.n;
        java.util.Arrays.fill(styleLayerLoss, 0);
        int downloaded = -1;                     // the layer whose activation hostF holds (masked terms)
        for (StyleTerm t : style) {
            backend.zero(t.dGram);
            if (t.gramScale == 0) continue;      // a masked region absent at this layer
            if (t.mask == null) {
                backend.gram(t.gram, plan.activation(t.layer), t.c, t.hw, t.gramScale);
            } else {                             // G_r = (F∘m)(F∘m)ᵀ / (C·Σm²)
                if (downloaded != t.layer) {
                    backend.download(hostF, plan.activation(t.layer));
                    downloaded = t.layer;
                }
                applyMask(hostFM, hostF, t.mask, t.c, t.hw);
                backend.upload(devFM, hostFM);
                backend.gram(t.gram, devFM, t.c, t.hw, t.gramScale);
            }
            double e = t.area * backend.sumSquaredDifference(t.gram, t.target, t.c * t.c) / ((double) t.c * t.c);
            styleLayerLoss[t.index] += e;
            ls += t.weight * e;
            // d(β·w_l·a_r·mean((G − A)²)) / dG = 2·β·w_l·a_r·(G − A) / C²
            backend.addScaledDifference(t.dGram, t.gram, t.target,
                    (float) (2 * cfg.styleWeight() * t.weight * t.area / ((double) t.c * t.c)), t.c * t.c);
        }

        Buffer dInput = plan.backward((layer, g) -> {
            for (ContentTerm t : content) {
                if (t.layer != layer) continue;
                // d(α·w_l·mean((F − T)²)) / dF = 2·α·w_l·(F − T) / n
                double w = cfg.contentWeight() * t.weight;
                Buffer dst = normScratch == null ? g : normScratch;
                if (dst != g) backend.zero(dst);
                backend.addScaledDifference(dst, plan.activation(layer), t.target, (float) (2 * w / t.n), t.n);
                if (dst != g) addNormalised(g, w, t.n);
            }
            double styleW = 0;
            int n = 0;
            boolean any = false;
            for (StyleTerm t : style) {
                if (t.layer != layer || t.gramScale == 0) continue;
                Buffer dst = normScratch == null ? g : normScratch;
                if (!any && dst != g) backend.zero(dst);
                any = true;
                styleW = cfg.styleWeight() * t.weight;
                n = t.c * t.hw;
                if (t.mask == null) {            // G = F Fᵀ / (C·HW)  ⇒  dF += (dG + dGᵀ) F / (C·HW)
                    backend.gramBackward(dst, t.dGram, plan.activation(layer), t.c, t.hw, t.gramScale);
                } else {                         // G_r = s·(F∘m)(F∘m)ᵀ  ⇒  dF += (s·(dG + dGᵀ)(F∘m)) ∘ m
                    maskedGramBackward(dst, t, layer);
                }
            }
            if (any && normScratch != null) addNormalised(g, styleW, n);
        });
        backend.download(dNetInput, dInput);
        net.preprocess().backward(grad, dNetInput, hw);
        double tv = cfg.tvWeight() == 0 ? 0 : TotalVariation.addGradient(x, grad, height, width, cfg.tvWeight());
        LossTerms terms = new LossTerms(cfg.contentWeight() * lc + cfg.styleWeight() * ls + cfg.tvWeight() * tv,
                cfg.contentWeight() * lc, cfg.styleWeight() * ls, cfg.tvWeight() * tv);
        last = terms;
        return terms;
    }

    /** g += w · scratch / (‖scratch‖₁ + 1e-8·w): w·u/(‖u‖₁ + 1e-8) for the unit-weight gradient u = scratch / w. */
    private void addNormalised(Buffer g, double w, int n) {
        if (w == 0) return;
        double l1 = backend.sumAbs(normScratch, n);
        backend.addScaled(g, normScratch, (float) (w / (l1 + 1e-8 * w)), n);
    }

    /** The masked term's dF, accumulated on the host over the layer's regions and added once the last region is done. */
    private void maskedGramBackward(Buffer dst, StyleTerm t, int layer) {
        int n = t.c * t.hw;
        boolean first = true, lastRegion = true;
        boolean seen = false;
        for (StyleTerm u : style) {              // is t the first / last live region of this layer?
            if (u.layer != layer || u.gramScale == 0) continue;
            if (u == t) { seen = true; continue; }
            if (!seen) first = false;
            else lastRegion = false;
        }
        if (first) {
            backend.download(hostF, plan.activation(layer));
            java.util.Arrays.fill(hostAcc, 0, n, 0f);
        }
        applyMask(hostFM, hostF, t.mask, t.c, t.hw);
        backend.upload(devFM, hostFM);
        backend.zero(devDFM);
        backend.gramBackward(devDFM, t.dGram, devFM, t.c, t.hw, t.gramScale);
        backend.download(hostTmp, devDFM);
        for (int i = 0; i < t.c; i++) {
            int base = i * t.hw;
            for (int j = 0; j < t.hw; j++) hostAcc[base + j] += hostTmp[base + j] * t.mask[j];
        }
        if (lastRegion) {
            backend.upload(devDFM, hostAcc);
            backend.addScaled(dst, devDFM, 1f, n);
        }
    }

    /** out (C, HW) := F (C, HW) with column j scaled by m[j]. */
    private static void applyMask(float[] out, float[] f, float[] m, int c, int hw) {
        for (int i = 0; i < c; i++) {
            int base = i * hw;
            for (int j = 0; j < hw; j++) out[base + j] = f[base + j] * m[j];
        }
    }

    /** Each mask as one value per pixel (mean of R, G, B, clamped to [0,1]) at the image's size (H·W). */
    static float[][] maskValues(List<Image> masks, int width, int height) {
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
    static float[] downsampleMask(VggSpec spec, float[] mask, int height, int width, int layer) {
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

    /** G_{l,r}(x) of the last evaluation for masked region r (C, C). */
    public float[] regionGram(String layer, int region) { return regionTerm(layer, region, false); }

    /** A_{l,r}, the Gram of style r, for masked region r (C, C). */
    public float[] regionTarget(String layer, int region) { return regionTerm(layer, region, true); }

    private float[] regionTerm(String layer, int region, boolean target) {
        int l = net.spec().indexOf(layer), k = 0;
        for (StyleTerm t : style) if (t.layer == l && k++ == region) return download(target ? t.target : t.gram, t.c * t.c);
        throw new NstException(layer + " has no style region " + region);
    }

    /**
     * Replaces the content target with F_l(c) of a new content image of the same size (tiled refinement
     * moves the objective from tile to tile). Style targets stay.
     */
    public void setContent(Image contentImage) {
        if (contentImage.width() != width || contentImage.height() != height)
            throw new IllegalArgumentException("setContent: " + contentImage + " for an objective of " + width + "x" + height);
        if (content.isEmpty()) return;
        load(plan, contentImage);
        plan.forward();
        for (ContentTerm t : content) backend.copy(t.target, plan.activation(t.layer));
    }

    @Override
    public void close() {
        for (Buffer b : owned) b.close();
        owned.clear();
        if (plan != null) plan.close();
    }
}
