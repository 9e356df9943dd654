package nst.convert;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import nst.engine.WeightsException;
import nst.engine.network.Preprocess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keras VGG16/VGG19 weights in HDF5 (read with jhdf): a group per layer named {@code block{b}_conv{i}},
 * found anywhere in the file (at the root for save_weights files, under model_weights for whole-model
 * files, under layers for Keras 3), holding one rank-4 kernel (H, W, I, O) and one bias (O), whatever
 * their dataset names ({@code kernel:0}, {@code block1_conv1_W_1:0}, {@code vars/0}). Kernels are
 * transposed to (O, I, H, W); Keras VGG expects caffe preprocessing (BGR, mean subtracted). Leaves out
 * Theano-ordered ("th_kernels") files and optimizer state.
 */
final class KerasReader {
    private KerasReader() {}

    private static final Pattern LAYER = Pattern.compile("block(\\d)_conv(\\d)");

    static SourceModel read(Path path, String requestedArch) {
        HdfFile h;
        try {
            h = new HdfFile(path);
        } catch (RuntimeException e) {
            throw new WeightsException(path + ": unreadable HDF5 file, truncated or corrupt (" + e.getMessage() + ")");
        } catch (OutOfMemoryError e) {
            throw declaresTooMuch(path);
        }
        try {
            Map<String, Group> resnet = new TreeMap<>();
            findResNet(path, h, resnet, 0, new HashSet<>(List.of(h.getAddress())));
            if (!resnet.isEmpty()) return resnet(path, h, resnet);
            Map<String, Group> layers = new TreeMap<>();
            find(path, h, layers, 0, new HashSet<>(List.of(h.getAddress())));
            if (layers.isEmpty()) {
                List<String> top = new ArrayList<>(h.getChildren().keySet());
                throw new WeightsException(path + ": an HDF5 file without Keras VGG layers (block1_conv1 …); it holds "
                        + (top.isEmpty() ? "nothing" : String.join(", ", top.subList(0, Math.min(8, top.size())))
                        + (top.size() > 8 ? ", …" : "")) + " — not a VGG16/VGG19 weights file");
            }
            Map<String, SourceModel.Conv> convs = new LinkedHashMap<>();
            for (Map.Entry<String, Group> e : layers.entrySet()) {
                List<Dataset> ds = new ArrayList<>();
                datasets(path, e.getValue(), ds, 0, new HashSet<>(List.of(e.getValue().getAddress())));
                Dataset kernel = null, bias = null;
                for (Dataset d : ds) {
                    int rank = d.getDimensions().length;
                    if (rank == 4) {
                        if (kernel != null) throw new WeightsException(path + ": layer " + e.getValue().getPath() + " has two rank-4 datasets");
                        kernel = d;
                    } else if (rank == 1) {
                        if (bias != null) throw new WeightsException(path + ": layer " + e.getValue().getPath() + " has two rank-1 datasets");
                        bias = d;
                    }
                }
                convs.put(e.getKey(), new SourceModel.Conv(kernel == null ? null : kernelTensor(path, kernel), bias == null ? null : biasTensor(path, bias)));
            }
            String arch = VggLayout.resolve(path.toString(), convs.keySet(), requestedArch);
            return new SourceModel(path.getFileName() + " (Keras HDF5 weights)", arch, Preprocess.CAFFE, convs,
                    List.of("Keras VGG weights expect caffe preprocessing (BGR, mean subtracted); recorded as such"), h::close);
        } catch (RuntimeException e) {
            h.close();
            if (e instanceof WeightsException) throw e;
            throw new WeightsException(path + ": unreadable HDF5 content, truncated or corrupt (" + e.getMessage() + ")");
        } catch (OutOfMemoryError e) {
            // jhdf allocates the buffer an object header declares before reading it (found by KerasFuzzTest): one
            // failed allocation of a size the file made up, so the heap is intact; the datasets' own sizes are
            // checked (WeightsLimits) before their data is read, outside this walk.
            h.close();
            throw declaresTooMuch(path);
        }
    }


    private static final Pattern RESNET_LAYER = Pattern.compile("conv1_(?:conv|bn)|conv[2-5]_block\\d{1,2}_[0-3]_(?:conv|bn)");
    private static final Pattern OLD_RESNET_LAYER = Pattern.compile("bn_conv1|(?:res|bn)[2-5][a-f]_branch(?:1|2[abc])");

    /** Groups named as Keras 2.2+'s ResNet layers (keras/src/applications/resnet.py), by name, anywhere in the file. */
    private static void findResNet(Path path, Group g, Map<String, Group> out, int depth, Set<Long> seen) {
        if (depth > 8) return;
        for (Node n : g.getChildren().values()) {
            if (!(n instanceof Group child) || n.getName().equals("optimizer_weights")) continue;
            notSeen(path, child, seen);
            if (RESNET_LAYER.matcher(n.getName()).matches()) {
                if (out.put(n.getName(), child) != null) throw new WeightsException(path + ": layer " + n.getName() + " occurs twice");
            } else if (OLD_RESNET_LAYER.matcher(n.getName()).matches()) {
                throw new WeightsException(path + ": a ResNet-50 file of the old keras-applications (layer " + n.getName()
                        + "; fchollet/deep-learning-models v0.2); only the file that keras.applications.ResNet50 downloads today"
                        + " (storage.googleapis.com/tensorflow/keras-applications/resnet/, layers conv1_conv, conv2_block1_1_conv …) is supported");
            } else {
                findResNet(path, child, out, depth + 1, seen);
            }
        }
    }

    /**
     * Keras' ResNet50 (keras/src/applications/resnet.py): per conv a {@code <name>_conv} group (kernel (H, W, I, O)
     * and bias) and a {@code <name>_bn} group (gamma, beta, moving_mean, moving_variance, epsilon 1.001e-5), folded
     * into one conv under torchvision's name: conv1 → conv1, conv{S+1}_block{B+1}_{1,2,3} → layerS.B.conv1..3,
     * conv{S+1}_block1_0 (the projection shortcut) → layerS.0.downsample. Keras' ResNet50 is ResNet v1: the stride
     * of a stage's first block sits on its first 1×1 conv, not on the 3×3 as in torchvision's v1.5; recorded as
     * metadata variant = v1.
     */
    private static SourceModel resnet(Path path, HdfFile h, Map<String, Group> layers) {
        Group stem = layers.get("conv1_conv");
        Dataset stemKernel = stem == null ? null : named(path, stem, "kernel", false);
        if (stemKernel == null || stemKernel.getDimensions().length != 4)
            throw new WeightsException(path + ": a Keras ResNet file without conv1_conv/kernel (the 7×7 stem conv)");
        int base = stemKernel.getDimensions()[3];
        if (base <= 0 || base > nst.engine.io.WeightsLimits.MAX_CHANNELS / 32)
            throw new WeightsException(path + ": conv1_conv has " + base + " output channels; not a ResNet-50 stem");
        Map<String, SourceTensor> named = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (ResNetLayout.ConvSpec c : ResNetLayout.convs(base)) {
            String k = kerasName(c.name());
            Group conv = layers.get(k + "_conv"), bn = layers.get(k + "_bn");
            if (conv == null || bn == null)
                throw new WeightsException(path + ": a Keras ResNet file without layer " + (conv == null ? k + "_conv" : k + "_bn")
                        + "; ResNet-50 (blocks 3, 4, 6, 3) needs it");
            used.add(k + "_conv");
            used.add(k + "_bn");
            Dataset kernel = named(path, conv, "kernel", true);
            int[] kd = kernel.getDimensions();
            int[] want = {c.k(), c.k(), c.inC(), c.outC()};
            if (!java.util.Arrays.equals(kd, want))
                throw new WeightsException(path + ": " + kernel.getPath() + " has shape " + java.util.Arrays.toString(kd) + ", expected "
                        + java.util.Arrays.toString(want) + " (H, W, I, O) for ResNet-50 with stem width " + base);
            Dataset bias = named(path, conv, "bias", false);
            ResNetLayout.fold(path.toString(), c.name(), new ResNetLayout.ConvBn(kernelTensor(path, kernel), bias == null ? null : biasTensor(path, bias),
                    biasTensor(path, named(path, bn, "gamma", true)), biasTensor(path, named(path, bn, "beta", true)),
                    biasTensor(path, named(path, bn, "moving_mean", true)), biasTensor(path, named(path, bn, "moving_variance", true)),
                    ResNetLayout.EPS_KERAS), named);
        }
        for (String n : layers.keySet())
            if (!used.contains(n)) throw new WeightsException(path + ": unexpected layer " + n + " for Keras' ResNet-50 (a deeper ResNet? only ResNet-50 is supported)");
        return SourceModel.named(path.getFileName() + " (Keras ResNet50 HDF5 weights)", "resnet50", Preprocess.CAFFE, named,
                Map.of("variant", "v1"), List.of("folded " + ResNetLayout.convs(base).size() + " batch norms into their convs (inference statistics, eps 1.001e-5)",
                        "Keras' ResNet50 is ResNet v1 (stride on the first 1×1 conv of a stage), recorded as variant v1; it expects caffe preprocessing (BGR, mean subtracted)"),
                h::close);
    }

    /** torchvision's folded name → Keras' layer prefix. */
    static String kerasName(String tv) {
        if (tv.equals("conv1")) return "conv1";
        int s = tv.charAt(5) - '0', b = Integer.parseInt(tv.substring(7, tv.indexOf('.', 7)));
        String p = "conv" + (s + 1) + "_block" + (b + 1) + "_";
        return p + (tv.endsWith("downsample") ? "0" : tv.substring(tv.length() - 1));
    }

    /** The one dataset under g whose name starts with {@code prefix} (kernel:0, gamma:0 …); null when absent and not required. */
    private static Dataset named(Path path, Group g, String prefix, boolean required) {
        List<Dataset> ds = new ArrayList<>();
        datasets(path, g, ds, 0, new HashSet<>(List.of(g.getAddress())));
        Dataset found = null;
        for (Dataset d : ds)
            if (d.getName().startsWith(prefix + ":") || d.getName().equals(prefix)) {
                if (found != null) throw new WeightsException(path + ": layer " + g.getPath() + " has two '" + prefix + "' datasets");
                found = d;
            }
        if (found == null && required) throw new WeightsException(path + ": layer " + g.getPath() + " has no '" + prefix + "' dataset");
        if (found != null) nst.engine.io.WeightsLimits.checkedElements(path + ": dataset " + found.getPath(), found.getDimensions(), nst.engine.io.WeightsLimits.MAX_DIMENSION);
        return found;
    }

    private static WeightsException declaresTooMuch(Path path) {
        return new WeightsException(path + ": unreadable HDF5 structure: it declares a block larger than memory (corrupt or hostile file)");
    }

    /**
     * Groups named block{b}_conv{i} → paper name conv{b}_{i}; optimizer state is skipped. Our own walk,
     * bounded in depth, with every group's address remembered: a file whose groups link back to one
     * already seen (its root linked under itself) is refused instead of walked forever.
     */
    private static void find(Path path, Group g, Map<String, Group> out, int depth, Set<Long> seen) {
        if (depth > 8) return;
        for (Node n : g.getChildren().values()) {
            if (!(n instanceof Group child) || n.getName().equals("optimizer_weights")) continue;
            notSeen(path, child, seen);
            Matcher m = LAYER.matcher(n.getName());
            if (m.matches()) {
                String name = "conv" + m.group(1) + "_" + m.group(2);
                if (out.put(name, child) != null) throw new WeightsException(path + ": layer " + n.getName() + " occurs twice");
            } else {
                find(path, child, out, depth + 1, seen);
            }
        }
    }

    private static void datasets(Path path, Group g, List<Dataset> out, int depth, Set<Long> seen) {
        if (depth > 4) return;
        for (Node n : g.getChildren().values()) {
            if (n instanceof Dataset d) out.add(d);
            else if (n instanceof Group c) {
                notSeen(path, c, seen);
                datasets(path, c, out, depth + 1, seen);
            }
        }
    }

    private static void notSeen(Path path, Group g, Set<Long> seen) {
        if (!seen.add(g.getAddress()))
            throw new WeightsException(path + ": HDF5 group " + g.getPath() + " links back to a group already visited (a cycle); not a weights file");
    }

    private static float[] floats(Path path, Dataset d) {
        if (d.isEmpty()) // jhdf answers an empty Object[] for a chunked dataset none of whose chunks exists
            throw new WeightsException(path + ": dataset " + d.getPath() + " has no data: its chunks were never written (an incompletely saved file?)");
        Object data = d.getDataFlat();
        if (data == null || !data.getClass().isArray() || java.lang.reflect.Array.getLength(data) != d.getSize())
            throw new WeightsException(path + ": dataset " + d.getPath() + " holds fewer values than its shape " + java.util.Arrays.toString(d.getDimensions())
                    + " needs (unwritten chunks?)");
        if (data instanceof float[] f) return f;
        if (data instanceof double[] dd) {
            float[] f = new float[dd.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) dd[i];
            return f;
        }
        throw new WeightsException(path + ": dataset " + d.getPath() + " is not floating point (" + d.getJavaType() + ")");
    }

    private static SourceTensor kernelTensor(Path path, Dataset d) {
        int[] k = d.getDimensions(); // (H, W, I, O)
        if (!(k[0] == 3 && k[1] == 3) && k[2] == 3 && k[3] == 3)
            throw new WeightsException(path + ": kernel " + d.getPath() + " is in Theano order (O, I, H, W); use the tf_dim_ordering_tf_kernels file");
        int kh = k[0], kw = k[1], ci = k[2], co = k[3];
        int[] shape = {co, ci, kh, kw};
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }

            @Override public float[] read() {
                float[] src = floats(path, d);
                float[] out = new float[src.length]; // (O, I, H, W) := (H, W, I, O) transposed
                for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++)
                        for (int i = 0; i < ci; i++)
                            for (int o = 0; o < co; o++)
                                out[((o * ci + i) * kh + y) * kw + x] = src[((y * kw + x) * ci + i) * co + o];
                return out;
            }
        };
    }

    private static SourceTensor biasTensor(Path path, Dataset d) {
        int[] shape = d.getDimensions();
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }
            @Override public float[] read() { return floats(path, d); }
        };
    }
}
