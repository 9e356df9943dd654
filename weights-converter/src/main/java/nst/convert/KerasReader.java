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
