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
 */
public final class Objective implements AutoCloseable {

    /** Loss weights and layers. */
    public record Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                         double contentWeight, double styleWeight, double tvWeight) {}

    /** A content loss term at one layer: target F_l(c) (C, H, W). */
    private record ContentTerm(int layer, double weight, Buffer target, int n) {}

    /** A style loss term at one layer: target A_l (C, C), current G_l (C, C), d loss / d G_l (C, C). */
    private record StyleTerm(int layer, double weight, Buffer target, Buffer gram, Buffer dGram, int c, int hw) {}

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

    /**
     * @param contentImage c, at the size of the image being optimised
     * @param styleImages  s_k, each at its own size
     * @param blend        b_k, one per style, summing to 1
     */
    public Objective(VggNetwork net, Config cfg, Image contentImage, List<Image> styleImages, double[] blend) {
        this.net = net;
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
            for (LayerWeight lw : styleLayers) {
                int l = spec.indexOf(lw.layer());
                int c = plan.channels(l), hw = plan.height(l) * plan.width(l);
                style.add(new StyleTerm(l, lw.weight(), own(c * c), own(c * c), own(c * c), c, hw));
            }
            if (!style.isEmpty()) {
                Buffer g = own(maxChannels() * maxChannels());
                for (int k = 0; k < styleImages.size(); k++) {
                    Image s = styleImages.get(k);
                    try (VggNetwork.Plan sp = net.plan(s.height(), s.width(), deepest, taps)) {
                        float[] in = new float[3 * s.pixels()];
                        net.preprocess().forward(in, s.rgb(), s.pixels());
                        backend.upload(sp.input, in);
                        sp.forward();
                        for (StyleTerm t : style) {
                            int hw = sp.height(t.layer) * sp.width(t.layer);
                            backend.gram(g, sp.activation(t.layer), t.c, hw, 1f / (t.c * hw));
                            backend.addScaled(t.target, g, (float) blend[k], t.c * t.c);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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

    private float[] download(Buffer b, int n) {
        float[] all = new float[b.length()];
        backend.download(all, b);
        return n == all.length ? all : java.util.Arrays.copyOf(all, n);
    }

    /** F_l(x) of the last evaluation (C, H, W). */
    public float[] activation(String layer) {
        int l = net.spec().indexOf(layer);
        return download(plan.activation(l), plan.size(l));
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
        for (int j = 0; j < style.size(); j++) {
            StyleTerm t = style.get(j);
            backend.gram(t.gram, plan.activation(t.layer), t.c, t.hw, 1f / ((float) t.c * t.hw));
            double e = backend.sumSquaredDifference(t.gram, t.target, t.c * t.c) / ((double) t.c * t.c);
            styleLayerLoss[j] = e;
            ls += t.weight * e;
            // d(β·w_l·mean((G − A)²)) / dG = 2·β·w_l·(G − A) / C²
            backend.zero(t.dGram);
            backend.addScaledDifference(t.dGram, t.gram, t.target, (float) (2 * cfg.styleWeight() * t.weight / ((double) t.c * t.c)), t.c * t.c);
        }

        Buffer dInput = plan.backward((layer, g) -> {
            for (ContentTerm t : content)
                if (t.layer == layer)    // d(α·w_l·mean((F − T)²)) / dF = 2·α·w_l·(F − T) / n
                    backend.addScaledDifference(g, plan.activation(layer), t.target, (float) (2 * cfg.contentWeight() * t.weight / t.n), t.n);
            for (StyleTerm t : style)
                if (t.layer == layer)    // G = F Fᵀ / (C·HW)  ⇒  dF += (dG + dGᵀ) F / (C·HW)
                    backend.gramBackward(g, t.dGram, plan.activation(layer), t.c, t.hw, 1f / ((float) t.c * t.hw));
        });
        backend.download(dNetInput, dInput);
        net.preprocess().backward(grad, dNetInput, hw);
        double tv = cfg.tvWeight() == 0 ? 0 : TotalVariation.addGradient(x, grad, height, width, cfg.tvWeight());
        LossTerms terms = new LossTerms(cfg.contentWeight() * lc + cfg.styleWeight() * ls + cfg.tvWeight() * tv,
                cfg.contentWeight() * lc, cfg.styleWeight() * ls, cfg.tvWeight() * tv);
        last = terms;
        return terms;
    }

    @Override
    public void close() {
        for (Buffer b : owned) b.close();
        owned.clear();
        if (plan != null) plan.close();
    }
}
