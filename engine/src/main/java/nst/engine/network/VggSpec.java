package nst.engine.network;

import nst.engine.NstException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The layer list of VGG16 / VGG19 "features" (Simonyan & Zisserman), named as in the paper:
 * conv{b}_{i}, relu{b}_{i}, pool{b}. Channel widths are a parameter so tests can use narrow nets.
 * Leaves out the fully connected layers: style transfer never uses them.
 */
public final class VggSpec {

    public enum Kind { CONV, RELU, POOL }

    /** One layer: its paper name, kind, block number, and for conv the channel counts. */
    public record Layer(String name, Kind kind, int block, int inChannels, int outChannels) {}

    private final String arch;
    private final int[] widths;
    private final List<Layer> layers;

    private VggSpec(String arch, int[] convsPerBlock, int[] widths) {
        this.arch = arch;
        this.widths = widths.clone();
        List<Layer> l = new ArrayList<>();
        int in = 3;
        for (int b = 1; b <= 5; b++) {
            for (int i = 1; i <= convsPerBlock[b - 1]; i++) {
                int out = widths[b - 1];
                l.add(new Layer("conv" + b + "_" + i, Kind.CONV, b, in, out));
                l.add(new Layer("relu" + b + "_" + i, Kind.RELU, b, out, out));
                in = out;
            }
            l.add(new Layer("pool" + b, Kind.POOL, b, in, in));
        }
        this.layers = Collections.unmodifiableList(l);
    }

    public static final int[] STANDARD_WIDTHS = {64, 128, 256, 512, 512};

    public static VggSpec vgg16() { return new VggSpec("vgg16", new int[] {2, 2, 3, 3, 3}, STANDARD_WIDTHS); }
    public static VggSpec vgg19() { return new VggSpec("vgg19", new int[] {2, 2, 4, 4, 4}, STANDARD_WIDTHS); }

    /** vgg16 or vgg19 (case-insensitive); an error that lists both otherwise. */
    public static VggSpec of(String arch) {
        return switch (arch == null ? "" : arch.toLowerCase(Locale.ROOT)) {
            case "vgg16" -> vgg16();
            case "vgg19" -> vgg19();
            default -> throw new NstException("unknown model '" + arch + "'; known: vgg16, vgg19");
        };
    }

    /** The same architecture with other channel widths per block (narrow test nets). */
    public VggSpec withWidths(int... w) {
        if (w.length != 5) throw new IllegalArgumentException("VGG has 5 blocks; got " + w.length + " widths");
        return new VggSpec(arch, arch.equals("vgg16") ? new int[] {2, 2, 3, 3, 3} : new int[] {2, 2, 4, 4, 4}, w);
    }

    public String arch() { return arch; }
    public int[] widths() { return widths.clone(); }
    public List<Layer> layers() { return layers; }
    public boolean standardWidths() { return Arrays.equals(widths, STANDARD_WIDTHS); }

    public List<Layer> convLayers() {
        return layers.stream().filter(l -> l.kind() == Kind.CONV).toList();
    }

    /** Index of a layer by paper name; an error naming the valid ones for this network. */
    public int indexOf(String name) {
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(name)) return i;
        throw new NstException("unknown layer '" + name + "' for " + arch + "; valid layers: "
                + String.join(",", layers.stream().map(Layer::name).toList()));
    }

    @Override
    public String toString() { return arch + (standardWidths() ? "" : " widths " + Arrays.toString(widths)); }
}
