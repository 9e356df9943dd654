package nst.convert;

import nst.engine.WeightsException;
import nst.engine.network.Preprocess;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.Cell;
import us.hebi.matlab.mat.types.Char;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Struct;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * MatConvNet SimpleNN models ({@code imagenet-vgg-verydeep-19.mat}, read with mfl-core): the {@code
 * layers} cell array of structs with name, type and weights {kernel (H, W, I, O), bias} (or the older
 * filters/biases fields). Kernels become (O, I, H, W). MatConvNet's VGG takes RGB input minus an RGB
 * mean on 0–255; the engine's caffe preprocessing feeds BGR, so conv1_1's input-channel axis is reversed
 * here, which makes caffe preprocessing exact up to the mean (checked against meta.normalization and
 * reported when it differs). Leaves out DagNN models and streaming: mfl-core reads the whole file.
 */
final class MatConvNetReader {
    private MatConvNetReader() {}

    private static final Pattern CONV = Pattern.compile("conv\\d_\\d");
    /** Caffe's mean in RGB order (docs/DESIGN.md's mean_bgr reversed). */
    private static final double[] CAFFE_MEAN_RGB = {123.68, 116.779, 103.939};

    static SourceModel read(Path path, String requestedArch) {
        MatPrescan.check(path);
        MatFile mat;
        try {
            mat = Mat5.readFromFile(path.toFile());
        } catch (IOException | RuntimeException e) {
            throw new WeightsException(path + ": unreadable MAT file, truncated or corrupt (" + e.getMessage() + ")");
        }
        try {
            Array layersArr = null;
            for (MatFile.Entry e : mat.getEntries()) if (e.getName().equals("layers")) layersArr = e.getValue();
            if (layersArr == null) {
                List<String> names = new ArrayList<>();
                for (MatFile.Entry e : mat.getEntries()) names.add(e.getName());
                throw new WeightsException(path + ": a MAT file without a 'layers' variable (it has " + String.join(", ", names)
                        + "); only MatConvNet SimpleNN models such as imagenet-vgg-verydeep-19.mat are read");
            }
            if (!(layersArr instanceof Cell layers))
                throw new WeightsException(path + ": 'layers' is a " + layersArr.getType() + ", not a cell array: a DagNN model? Only SimpleNN models are read");
            Map<String, SourceModel.Conv> convs = new LinkedHashMap<>();
            int n = layers.getNumElements();
            for (int k = 0; k < n; k++) {
                Array a = layers.get(k);
                if (!(a instanceof Struct s)) continue;
                String name = string(s, "name"), type = string(s, "type");
                if (name == null || !CONV.matcher(name).matches()) continue;
                if (type != null && !type.toLowerCase(Locale.ROOT).equals("conv"))
                    throw new WeightsException(path + ": layer " + name + " has type '" + type + "', expected conv");
                Matrix kernel, bias;
                List<String> fields = s.getFieldNames();
                if (fields.contains("weights")) {
                    Cell w = s.getCell("weights");
                    if (w.getNumElements() != 2) throw new WeightsException(path + ": layer " + name + " has " + w.getNumElements() + " weights, expected kernel and bias");
                    kernel = w.getMatrix(0);
                    bias = w.getMatrix(1);
                } else if (fields.contains("filters") && fields.contains("biases")) {
                    kernel = s.getMatrix("filters");
                    bias = s.getMatrix("biases");
                } else throw new WeightsException(path + ": layer " + name + " has no weights");
                if (convs.put(name, new SourceModel.Conv(kernel(kernel, name.equals("conv1_1")), vector(bias))) != null)
                    throw new WeightsException(path + ": layer " + name + " occurs twice");
            }
            if (convs.isEmpty())
                throw new WeightsException(path + ": a MAT file whose layers include no VGG conv layer (conv1_1 …)");
            String arch = VggLayout.resolve(path.toString(), convs.keySet(), requestedArch);
            List<String> notes = new ArrayList<>();
            notes.add("conv1_1's input channels reversed (MatConvNet feeds RGB, the engine's caffe preprocessing feeds BGR)");
            double[] mean = averageImage(mat);
            if (mean == null) notes.add("no meta.normalization.averageImage in the file: assumed caffe's mean");
            else {
                double d = 0;
                for (int c = 0; c < 3; c++) d = Math.max(d, Math.abs(mean[c] - CAFFE_MEAN_RGB[c]));
                if (d > 0.01)
                    notes.add(String.format(Locale.ROOT, "the file's mean (R,G,B) = (%.3f, %.3f, %.3f) differs from caffe's by up to %.3f (0–255 units); the engine subtracts caffe's",
                            mean[0], mean[1], mean[2], d));
            }
            return new SourceModel(path.getFileName() + " (MatConvNet SimpleNN, conv1_1 input channels reversed RGB→BGR)",
                    arch, Preprocess.CAFFE, convs, notes, mat);
        } catch (RuntimeException e) {
            try { mat.close(); } catch (IOException ignored) { /* in memory */ }
            if (e instanceof WeightsException) throw e;
            throw new WeightsException(path + ": unexpected MAT content (" + e + ")");
        }
    }

    private static String string(Struct s, String field) {
        if (!s.getFieldNames().contains(field)) return null;
        Array a = s.get(field);
        return a instanceof Char c ? c.getString().trim() : null;
    }

    /** Per-channel mean of meta.normalization.averageImage (3 values, or an H×W×3 image), or null. */
    private static double[] averageImage(MatFile mat) {
        try {
            Struct norm = null;
            for (MatFile.Entry e : mat.getEntries()) {
                if (e.getName().equals("meta") && e.getValue() instanceof Struct meta && meta.getFieldNames().contains("normalization"))
                    norm = meta.getStruct("normalization");
                if (e.getName().equals("normalization") && e.getValue() instanceof Struct s) norm = s;
            }
            if (norm == null || !norm.getFieldNames().contains("averageImage")) return null;
            Matrix m = norm.getMatrix("averageImage");
            int total = m.getNumElements();
            if (total == 0 || total % 3 != 0) return null;
            int per = total / 3; // column-major: the channel index varies slowest
            double[] mean = new double[3];
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int j = 0; j < per; j++) s += m.getDouble(c * per + j);
                mean[c] = s / per;
            }
            return mean;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** (H, W, I, O) column-major → (O, I, H, W) row-major, optionally reversing I (RGB → BGR). */
    private static SourceTensor kernel(Matrix m, boolean reverseInput) {
        int[] d = m.getDimensions();
        int kh = d[0], kw = d.length > 1 ? d[1] : 1, ci = d.length > 2 ? d[2] : 1, co = d.length > 3 ? d[3] : 1;
        int[] shape = d.length > 4 ? d.clone() : new int[] {co, ci, kh, kw};
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }

            @Override public float[] read() {
                float[] out = new float[co * ci * kh * kw];
                for (int o = 0; o < co; o++)
                    for (int i = 0; i < ci; i++) {
                        int si = reverseInput ? ci - 1 - i : i;
                        for (int y = 0; y < kh; y++)
                            for (int x = 0; x < kw; x++)
                                out[((o * ci + i) * kh + y) * kw + x] = m.getFloat(y + kh * (x + kw * (si + ci * o)));
                    }
                return out;
            }
        };
    }

    private static SourceTensor vector(Matrix m) {
        int n = m.getNumElements();
        int[] d = m.getDimensions();
        int nonSingleton = 0;
        for (int x : d) if (x != 1) nonSingleton++;
        int[] shape = nonSingleton <= 1 ? new int[] {n} : d.clone();
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }

            @Override public float[] read() {
                float[] out = new float[n];
                for (int j = 0; j < n; j++) out[j] = m.getFloat(j);
                return out;
            }
        };
    }
}
