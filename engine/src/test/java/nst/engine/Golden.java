package nst.engine;

import nst.engine.image.Image;
import nst.engine.io.SafeTensors;
import nst.engine.loss.LayerWeight;
import nst.engine.loss.Objective;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A golden fixture written by tools/make_fixtures.py (PyTorch): the network, images, activations, Grams,
 * loss terms and gradients of one configuration. Leaves out comparison logic (see GoldenTest).
 */
public final class Golden implements AutoCloseable {
    public static final String REGENERATE =
            "fixtures come from PyTorch: regenerate with '/usr/bin/python3 tools/make_fixtures.py' (needs python3-torch, python3-torchvision)";

    public final String name;
    public final SafeTensors.Reader file;
    public final Map<String, String> meta;
    public final VggSpec spec;
    public final VggWeights weights;

    public Golden(String name) {
        this.name = name;
        Path p;
        try {
            var url = Golden.class.getResource("/golden/" + name + ".safetensors");
            if (url == null) throw new IllegalStateException("missing fixture " + name + "; " + REGENERATE);
            p = Path.of(url.toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        file = SafeTensors.open(p);
        meta = file.metadata();
        int[] widths = Arrays.stream(meta.get("widths").split(",")).mapToInt(Integer::parseInt).toArray();
        spec = VggSpec.of(meta.get("arch")).withWidths(widths);
        List<String> weightNames = new ArrayList<>();
        for (String n : file.entries().keySet()) if (n.startsWith("conv")) weightNames.add(n);
        VggSpec cut = spec;
        // The fixture holds convs only up to its cut; build weights for those and leave deeper ones random.
        Map<String, VggWeights.Conv> convs = new java.util.LinkedHashMap<>();
        VggWeights filler = VggWeights.random(spec, 1, Preprocess.of(meta.get("preprocess")));
        for (VggSpec.Layer l : cut.convLayers()) {
            if (file.has(l.name() + ".weight")) convs.put(l.name(), new VggWeights.Conv(file.floats(l.name() + ".weight"), file.floats(l.name() + ".bias")));
            else convs.put(l.name(), filler.conv(l.name()));
        }
        weights = new VggWeights(spec, Preprocess.of(meta.get("preprocess")), meta.get("source"), convs);
    }

    public Pooling pooling() { return Pooling.of(meta.get("pooling")); }
    public int height() { return Integer.parseInt(meta.get("height")); }
    public int width() { return Integer.parseInt(meta.get("width")); }
    public double alpha() { return Double.parseDouble(meta.get("content_weight")); }
    public double beta() { return Double.parseDouble(meta.get("style_weight")); }
    public double gamma() { return Double.parseDouble(meta.get("tv_weight")); }
    public List<LayerWeight> contentLayers() { return LayerWeight.parseList(meta.get("content_layers"), "content_layers"); }
    public List<LayerWeight> styleLayers() { return LayerWeight.parseList(meta.get("style_layers"), "style_layers"); }

    public double[] blend() {
        return Arrays.stream(meta.get("style_blend").split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    public Image image(String tensor) {
        SafeTensors.Entry e = file.entry(tensor);
        return new Image(e.shape()[2], e.shape()[1], file.floats(tensor));
    }

    public List<Image> styles() {
        List<Image> out = new ArrayList<>();
        for (int k = 0; file.has("input.style" + k); k++) out.add(image("input.style" + k));
        return out;
    }

    public Objective.Config config(double a, double b, double g) {
        return new Objective.Config(contentLayers(), styleLayers(), a, b, g);
    }

    @Override
    public void close() { file.close(); }

    public static final List<String> ALL = List.of("vgg19_max_torchvision", "vgg19_avg_caffe", "vgg16_max_caffe", "vgg16_avg_torchvision");
}
