package nst.engine.network;

import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.util.List;
import java.util.Set;

/**
 * A feature network the Gatys objective runs on: {@link VggNetwork} (VGG16/VGG19) or {@link ResNetNetwork}
 * (ResNet-50). Layers are named and indexed in network order; a {@link Plan} per image size owns every buffer.
 * Leaves out what differs between the networks (pooling kind, in-place ReLUs, forward-only buffer sharing).
 */
public interface Backbone extends AutoCloseable {

    /** "vgg16", "vgg19" or "resnet50". */
    String arch();

    Backend backend();

    Preprocess preprocess();

    /** The tap names in network order. */
    List<String> layerNames();

    /** Index of a layer by name; an {@link nst.engine.NstException} naming the valid ones otherwise. */
    int indexOf(String layer);

    /** Buffers for forward and backward at one image size, cut after layer {@code last}; {@code taps} are read by losses. */
    Plan plan(int height, int width, int last, Set<Integer> taps);

    /**
     * A plan for {@link Plan#forward()} only (style targets, inspection); it may borrow {@code donor}'s idle
     * gradient buffers (null: none).
     */
    Plan forwardPlan(int height, int width, int last, Set<Integer> taps, Plan donor);

    @Override void close();

    /** One image size's buffers: the preprocessed input, every tapped activation, the gradients. */
    interface Plan extends AutoCloseable {
        /** The preprocessed image (3, H, W). */
        Buffer input();
        /** Runs the network on {@link #input()}. */
        void forward();
        /** Backpropagates the losses that {@code source} adds at their layers; returns d loss / d input (3, H, W). */
        Buffer backward(VggNetwork.GradientSource source);
        Buffer activation(int layer);
        int channels(int layer);
        int height(int layer);
        int width(int layer);
        default int size(int layer) { return channels(layer) * height(layer) * width(layer); }
        /** The activation with its shape (C_l, H_l, W_l). */
        default Tensor tensor(int layer) { return new Tensor(activation(layer), channels(layer), height(layer), width(layer)); }
        /** Bytes held by the plan's buffers. */
        long bytes();
        @Override void close();
    }
}
