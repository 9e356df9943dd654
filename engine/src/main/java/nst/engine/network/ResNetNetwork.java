package nst.engine.network;

import nst.engine.NstException;
import nst.kernels.Backend;

import java.util.List;
import java.util.Set;

/**
 * ResNet-50 as a {@link Backbone} for the Gatys objective: {@link ResNet50} with the preprocessing its weights
 * were trained with. Layer names are torchvision's modules ({@link ResNet50}): {@code relu}, {@code maxpool},
 * {@code layer1.0} … {@code layer4.2}. Leaves out a forward-only plan that shares buffers: a forward plan is a
 * full plan (ResNet50 keeps every activation), so style targets cost a second plan's memory while computed.
 */
public final class ResNetNetwork implements Backbone {
    private final ResNet50 net;
    private final Preprocess preprocess;

    /** Uploads the convs layers 0..{@code last} need (all of them when {@code last} is the deepest layer). */
    public ResNetNetwork(Backend backend, ResNetWeights weights, int last) {
        java.util.Map<String, ResNet50.Conv> needed = new java.util.LinkedHashMap<>();
        for (String c : ResNet50.convsNeeded(last)) needed.put(c, weights.convs().get(c));
        this.net = new ResNet50(backend, weights.base(), needed);
        this.preprocess = weights.preprocess();
    }

    public ResNetNetwork(Backend backend, ResNetWeights weights) {
        this(backend, weights, ResNet50.layerCount() - 1);
    }

    @Override public String arch() { return ResNetWeights.ARCH; }
    @Override public Backend backend() { return net.backend(); }
    @Override public Preprocess preprocess() { return preprocess; }
    @Override public List<String> layerNames() { return ResNet50.layerNames(); }

    @Override
    public int indexOf(String layer) {
        int i = ResNet50.layerNames().indexOf(layer);
        if (i < 0) throw new NstException("unknown layer '" + layer + "' for resnet50; valid layers: " + String.join(",", ResNet50.layerNames()));
        return i;
    }

    @Override
    public Plan plan(int height, int width, int last, Set<Integer> taps) {
        return net.plan(height, width, last);
    }

    @Override
    public Plan forwardPlan(int height, int width, int last, Set<Integer> taps, Plan donor) {
        return plan(height, width, last, taps);
    }

    @Override
    public void close() { net.close(); }
}
