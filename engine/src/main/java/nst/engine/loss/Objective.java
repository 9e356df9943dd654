package nst.engine.loss;

import nst.engine.NstException;
import nst.engine.image.Image;
import nst.engine.network.Backbone;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Gatys objective L(x) = α·L_c + β·L_s + γ·L_tv (+ λ·L_temporal for a video frame) and its gradient w.r.t. the [0,1] image x, as
 * docs/DESIGN.md defines each term. It composes the loss units over the network: a {@link ContentLoss} per
 * content layer, a {@link StyleLoss} per style layer ({@link GuidedStyleLoss} with masks), each wrapped in
 * {@link NormalisedGradient} when asked, and {@link TotalVariation} on the image. The network is a {@link Backbone}
 * (VGG or ResNet-50); with {@link FeatureTransform#SOFTMAX} every unit sees σ(F_l) ({@link SoftmaxTransform}, SWAG)
 * instead of F_l, targets included:
 * <pre>
 *   forward:   x → preprocess → network → F_l(x) at every loss layer
 *   loss:      α Σ_l w_l L_c(F_l) + β Σ_l w_l L_s(F_l) + γ L_tv(x)
 *   backward:  the units' dL/dF_l enter the backward pass through VGG at their layers → dL/d(preprocessed x)
 *              → preprocess backward → + γ dL_tv/dx
 * </pre>
 * Targets (content features, blended style Grams) are computed once; every buffer is planned once, so
 * {@link #evaluate} allocates nothing. Leaves out the optimiser.
 */
public final class Objective implements AutoCloseable {

    /**
     * Loss weights and layers; {@code normalizeGradients}: wrap each unit in {@link NormalisedGradient};
     * {@code transform}: what the units see of each layer's activation.
     */
    public record Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                         double contentWeight, double styleWeight, double tvWeight, boolean normalizeGradients,
                         FeatureTransform transform) {
        public Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                      double contentWeight, double styleWeight, double tvWeight, boolean normalizeGradients) {
            this(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, normalizeGradients, FeatureTransform.NONE);
        }

        public Config(List<LayerWeight> contentLayers, List<LayerWeight> styleLayers,
                      double contentWeight, double styleWeight, double tvWeight) {
            this(contentLayers, styleLayers, contentWeight, styleWeight, tvWeight, false);
        }
    }

    /**
     * One loss unit at one layer with its layer weight w_l. {@code unit}: the loss itself (a {@link ContentLoss},
     * {@link StyleLoss} or {@link GuidedStyleLoss}); {@code loss}: what the objective calls, the unit or its
     * {@link NormalisedGradient} wrapper. {@code index}: the position in the content- or style-layer list.
     */
    private record Term(int layer, double weight, int index, FeatureLoss unit, FeatureLoss loss) {}

    private final Backbone net;
    private final Backend backend;
    private final Config cfg;
    private final int height, width;
    private final Backbone.Plan plan;
    private final boolean softmax;
    private final List<Term> content = new ArrayList<>();
    private final List<Term> style = new ArrayList<>();
    /** Host scratch: the preprocessed image (3, H, W) and d loss / d preprocessed image (3, H, W). */
    private final float[] netInput, dNetInput;
    /** Unweighted per-layer style losses of the last evaluation, in style-layer order. */
    private final double[] styleLayerLoss;
    /** What {@link #close} releases, in order: the units and the scratch buffers. */
    private final List<Runnable> owned = new ArrayList<>();
    private LossTerms last;
    /** The temporal loss of a video frame and its weight λ, or null (a still image). */
    private TemporalLoss temporal;
    private double temporalWeight;

    /**
     * @param contentImage c, at the size of the image being optimised
     * @param styleImages  s_k, each at its own size
     * @param blend        b_k, one per style, summing to 1
     */
    public Objective(Backbone net, Config cfg, Image contentImage, List<Image> styleImages, double[] blend) {
        this(net, cfg, contentImage, styleImages, blend, null);
    }

    /**
     * @param masks one per style image (white = that style's region), or null / empty for none; any size
     *              (resampled to the content's size); the blend is then ignored: region r takes style r.
     */
    public Objective(Backbone net, Config cfg, Image contentImage, List<Image> styleImages, double[] blend, List<Image> masks) {
        this.net = net;
        boolean masked = masks != null && !masks.isEmpty();
        this.backend = net.backend();
        this.cfg = cfg;
        this.height = contentImage.height();
        this.width = contentImage.width();
        this.softmax = cfg.transform() == FeatureTransform.SOFTMAX;
        Backbone spec = net;
        if (masked && !(net instanceof VggNetwork))
            throw new NstException("--mask works with the VGG models only, not " + net.arch());
        if (masked && softmax)
            throw new NstException("--mask does not combine with --feature-transform softmax; use --feature-transform none");
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
            int largest = largestLayer(spec, cfg.contentLayers(), styleLayers);
            Buffer normScratch = cfg.normalizeGradients() && largest > 0 ? own(backend.allocate(largest)) : null;

            // Content targets F_l(c).
            load(plan, contentImage);
            plan.forward();
            for (int j = 0; j < cfg.contentLayers().size(); j++) {
                LayerWeight lw = cfg.contentLayers().get(j);
                int l = spec.indexOf(lw.layer());
                ContentLoss unit = own(new ContentLoss(backend, plan.size(l)));
                FeatureLoss loss = unit;
                if (softmax) {
                    SoftmaxTransform.Transformed t = own(new SoftmaxTransform.Transformed(unit, new SoftmaxTransform(backend, plan.size(l))));
                    unit.setTarget(t.transform().forward(plan.activation(l)));
                    loss = t;
                } else {
                    unit.setTarget(plan.activation(l));
                }
                content.add(new Term(l, lw.weight(), j, unit, normalised(loss, normScratch, plan.size(l))));
            }
            // Style units; with masks, one region per style image at every style layer.
            float[][] maskPixels = masked ? GuidedStyleLoss.maskValues(masks, width, height) : null;
            GuidedStyleLoss.Scratch maskScratch = null;
            if (masked) {
                GuidedStyleLoss.Scratch ms = new GuidedStyleLoss.Scratch(backend, largestLayer(spec, List.of(), styleLayers));
                owned.add(ms::close);
                maskScratch = ms;
            }
            for (int j = 0; j < styleLayers.size(); j++) {
                LayerWeight lw = styleLayers.get(j);
                int l = spec.indexOf(lw.layer());
                int c = plan.channels(l), hw = plan.height(l) * plan.width(l);
                FeatureLoss unit;
                if (masked) {
                    List<float[]> atLayer = new ArrayList<>();
                    for (float[] m : maskPixels) atLayer.add(GuidedStyleLoss.downsampleMask(((VggNetwork) net).spec(), m, height, width, l));
                    unit = own(new GuidedStyleLoss(backend, c, hw, atLayer, maskScratch));
                } else {
                    unit = own(new StyleLoss(backend, c, hw));
                }
                FeatureLoss loss = softmax ? own(new SoftmaxTransform.Transformed(unit, new SoftmaxTransform(backend, c * hw))) : unit;
                style.add(new Term(l, lw.weight(), j, unit, normalised(loss, normScratch, c * hw)));
            }
            if (!style.isEmpty()) addStyleTargets(spec, styleLayers, styleImages, blend);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Style targets A_l = Σ_k b_k G_l(s_k) (with masks: A_{l,r} = G_l(s_r)), each style image through its own
     * forward-only plan at its own size.
     */
    private void addStyleTargets(Backbone spec, List<LayerWeight> styleLayers, List<Image> styleImages, double[] blend) {
        Set<Integer> styleTaps = new TreeSet<>();
        int deepestStyle = 0;
        for (LayerWeight lw : styleLayers) deepestStyle = Math.max(deepestStyle, tap(spec, lw, styleTaps));
        int maxC = 1;
        for (Term t : style) maxC = Math.max(maxC, plan.channels(t.layer));
        try (Buffer g = backend.allocate(maxC * maxC)) {
            for (int k = 0; k < styleImages.size(); k++) {
                Image s = styleImages.get(k);
                if (net instanceof VggNetwork vgg && !softmax) {
                    // each tap's Gram is taken as soon as forward reaches it, so the plan keeps no activation
                    try (VggNetwork.Plan sp = vgg.streamingPlan(s.height(), s.width(), deepestStyle, styleTaps, (VggNetwork.Plan) plan)) {
                        float[] in = new float[3 * s.pixels()];
                        net.preprocess().forward(in, s.rgb(), s.pixels());
                        backend.upload(sp.input, in);
                        int image = k;
                        sp.forward((layer, out) -> {
                            for (Term t : style) {
                                if (t.layer != layer) continue;
                                int hw = sp.height(t.layer) * sp.width(t.layer);
                                switch (t.unit) {
                                    case StyleLoss plain -> plain.addStyle(out, hw, (float) blend[image], g);
                                    case GuidedStyleLoss guided -> guided.addStyle(image, out, hw, g);
                                    default -> throw new IllegalStateException("not a style unit: " + t.unit);
                                }
                            }
                        });
                    }
                    continue;
                }
                // ResNet-50, or the softmax transform (whose Gram needs the whole of σ(F(s_k))): a forward-only plan
                try (Backbone.Plan sp = net.forwardPlan(s.height(), s.width(), deepestStyle, styleTaps, plan)) {
                    float[] in = new float[3 * s.pixels()];
                    net.preprocess().forward(in, s.rgb(), s.pixels());
                    backend.upload(sp.input(), in);
                    sp.forward();
                    for (Term t : style) {
                        int hw = sp.height(t.layer) * sp.width(t.layer);
                        switch (t.unit) {
                            case StyleLoss plain when softmax -> {        // the Gram of σ(F(s_k)) at the style's own size
                                try (SoftmaxTransform st = new SoftmaxTransform(backend, sp.size(t.layer))) {
                                    plain.addStyle(st.forward(sp.activation(t.layer)), hw, (float) blend[k], g);
                                }
                            }
                            case StyleLoss plain -> plain.addStyle(sp.activation(t.layer), hw, (float) blend[k], g);
                            case GuidedStyleLoss guided -> guided.addStyle(k, sp.activation(t.layer), hw, g);
                            default -> throw new IllegalStateException("not a style unit: " + t.unit);
                        }
                    }
                }
            }
        }
    }

    /** The unit, or the unit behind {@link NormalisedGradient} when the configuration asks for it. */
    private FeatureLoss normalised(FeatureLoss unit, Buffer normScratch, int n) {
        return normScratch == null ? unit : new NormalisedGradient(unit, backend, normScratch, n);
    }

    /** C·H·W of the largest of these layers at the plan's size. */
    private int largestLayer(Backbone spec, List<LayerWeight> a, List<LayerWeight> b) {
        int m = 0;
        for (LayerWeight lw : a) m = Math.max(m, plan.size(spec.indexOf(lw.layer())));
        for (LayerWeight lw : b) m = Math.max(m, plan.size(spec.indexOf(lw.layer())));
        return m;
    }

    /** Index of the deepest layer a loss with this configuration reads (style layers count only with style images). */
    public static int deepestLayer(VggSpec spec, Config cfg, boolean withStyles) {
        return deepestLayer(spec::indexOf, cfg, withStyles);
    }

    /** The same for any network, given its layer index by name. */
    public static int deepestLayer(java.util.function.ToIntFunction<String> indexOf, Config cfg, boolean withStyles) {
        int deepest = 0;
        for (LayerWeight lw : cfg.contentLayers()) deepest = Math.max(deepest, indexOf.applyAsInt(lw.layer()));
        if (withStyles) for (LayerWeight lw : cfg.styleLayers()) deepest = Math.max(deepest, indexOf.applyAsInt(lw.layer()));
        return deepest;
    }

    private static int tap(Backbone spec, LayerWeight lw, Set<Integer> taps) {
        int i = spec.indexOf(lw.layer());
        taps.add(i);
        return i;
    }

    private <T extends FeatureLoss> T own(T unit) {
        owned.add(unit::close);
        return unit;
    }

    private Buffer own(Buffer b) {
        owned.add(b::close);
        return b;
    }

    private void load(Backbone.Plan p, Image im) {
        net.preprocess().forward(netInput, im.rgb(), im.pixels());
        backend.upload(p.input(), netInput);
    }

    public int height() { return height; }
    public int width() { return width; }
    public Config config() { return cfg; }
    public Backbone network() { return net; }
    public Backbone.Plan plan() { return plan; }
    public LossTerms lastTerms() { return last; }

    /** Unweighted mean((G_l − A_l)²) per style layer from the last evaluation (style-layer order). */
    public double[] styleLayerLosses() { return styleLayerLoss.clone(); }

    // ---------------------------------------------------------------- inspection (tests, the studio's step-through)

    /**
     * F_l(x) of the last evaluation (C, H, W). The plan keeps only the loss layers' outputs; any other layer is
     * recomputed by a forward pass from the last evaluation's input, in the plan's idle gradient buffers.
     */
    public float[] activation(String layer) {
        int i = net.indexOf(layer);
        if (!(plan instanceof VggNetwork.Plan vp) || vp.keeps(i)) return plan.tensor(i).download(backend);
        float[][] out = {null};
        try (VggNetwork.Plan sp = ((VggNetwork) net).streamingPlan(vp.height, vp.width, i, Set.of(i), vp)) {
            backend.copy(sp.input, vp.input);
            sp.forward((l, b) -> out[0] = nst.engine.network.Tensor.download(backend, b, vp.size(i)));
        }
        return out[0];
    }

    /** The content target F_l(c) (C, H, W). */
    public float[] contentTarget(String layer) {
        int l = net.indexOf(layer);
        for (Term t : content) if (t.layer == l) return ((ContentLoss) t.unit).target();
        throw new NstException(layer + " is not a content layer");
    }

    /** The blended style target A_l (C, C); with masks, region 0's. */
    public float[] styleTarget(String layer) { return styleUnit(layer, 0).target(); }

    /** G_l(x) of the last evaluation (C, C); with masks, region 0's. */
    public float[] styleGram(String layer) { return styleUnit(layer, 0).gram(); }

    /** G_{l,r}(x) of the last evaluation for masked region r (C, C). */
    public float[] regionGram(String layer, int region) { return styleUnit(layer, region).gram(); }

    /** A_{l,r}, the Gram of style r, for masked region r (C, C). */
    public float[] regionTarget(String layer, int region) { return styleUnit(layer, region).target(); }

    /** The style unit of region r at a layer: a guided loss's region, or the plain loss as region 0. */
    private StyleLoss styleUnit(String layer, int region) {
        int l = net.indexOf(layer);
        for (Term t : style) {
            if (t.layer != l) continue;
            if (t.unit instanceof GuidedStyleLoss guided && region < guided.regions()) return guided.region(region);
            if (t.unit instanceof StyleLoss plain && region == 0) return plain;
        }
        throw new NstException(layer + (region == 0 ? " is not a style layer" : " has no style region " + region));
    }

    /**
     * Loss at x (3, H, W) and its gradient, written into {@code grad} (3, H, W). Allocates nothing.
     */
    public LossTerms evaluate(float[] x, float[] grad) {
        int hw = height * width;
        net.preprocess().forward(netInput, x, hw);
        backend.upload(plan.input(), netInput);
        plan.forward();

        double lc = 0, ls = 0;
        for (Term t : content) lc += t.weight * t.loss.value(plan.activation(t.layer));
        for (Term t : style) {
            double e = t.loss.value(plan.activation(t.layer));
            styleLayerLoss[t.index] = e;
            ls += t.weight * e;
        }

        // d(α·w_l·L_c)/dF_l and d(β·w_l·L_s)/dF_l enter the backward pass at their layers.
        Buffer dInput = plan.backward((layer, g) -> {
            for (Term t : content)
                if (t.layer == layer) t.loss.addGradient(g, plan.activation(layer), cfg.contentWeight() * t.weight);
            for (Term t : style)
                if (t.layer == layer) t.loss.addGradient(g, plan.activation(layer), cfg.styleWeight() * t.weight);
        });
        backend.download(dNetInput, dInput);
        net.preprocess().backward(grad, dNetInput, hw);
        double tv = cfg.tvWeight() == 0 ? 0 : TotalVariation.addGradient(x, grad, height, width, cfg.tvWeight());
        double lt = temporal == null ? 0 : temporal.addGradient(x, grad, temporalWeight);
        LossTerms terms = new LossTerms(cfg.contentWeight() * lc + cfg.styleWeight() * ls + cfg.tvWeight() * tv + temporalWeight * lt,
                cfg.contentWeight() * lc, cfg.styleWeight() * ls, cfg.tvWeight() * tv, temporalWeight * lt);
        last = terms;
        return terms;
    }

    /**
     * Adds λ · L_temporal (Ruder et al.'s short-term temporal loss, {@link TemporalLoss}) to the objective of a video
     * frame; null (or λ = 0) removes it.
     */
    public void setTemporal(TemporalLoss loss, double lambda) {
        if (loss != null && (loss.width() != width || loss.height() != height))
            throw new IllegalArgumentException("temporal loss of " + loss.width() + "x" + loss.height() + " for an objective of "
                    + width + "x" + height);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("temporal weight " + lambda);
        this.temporal = lambda == 0 ? null : loss;
        this.temporalWeight = temporal == null ? 0 : lambda;
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
        for (Term t : content) {
            ContentLoss unit = (ContentLoss) t.unit;
            if (softmax) unit.setTarget(transformOf(t).forward(plan.activation(t.layer)));
            else unit.setTarget(plan.activation(t.layer));
        }
    }

    /** The softmax transform inside a term's loss (behind a {@link NormalisedGradient} when there is one). */
    private static SoftmaxTransform transformOf(Term t) {
        FeatureLoss l = t.loss instanceof NormalisedGradient ng ? ng.unit() : t.loss;
        return ((SoftmaxTransform.Transformed) l).transform();
    }

    @Override
    public void close() {
        for (Runnable r : owned) r.run();
        owned.clear();
        if (plan != null) plan.close();
    }
}
