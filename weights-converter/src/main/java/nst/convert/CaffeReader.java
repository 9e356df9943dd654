package nst.convert;

import nst.engine.WeightsException;
import nst.engine.network.Preprocess;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static nst.convert.ProtobufReader.LEN;
import static nst.convert.ProtobufReader.VARINT;

/**
 * Caffe {@code .caffemodel} files: a protobuf NetParameter, read with our own {@link ProtobufReader}
 * (no generated code, no protobuf library). The fields it needs, from Caffe's caffe.proto:
 * <pre>
 * message NetParameter {
 *   repeated LayerParameter layer = 100;    // current models
 *   repeated V1LayerParameter layers = 2;   // older models (e.g. VGG_ILSVRC_19_layers.caffemodel)
 * }
 * message LayerParameter {
 *   optional string name = 1;
 *   optional string type = 2;               // "Convolution", "InnerProduct", "ReLU", ...
 *   repeated BlobProto blobs = 7;
 * }
 * message V1LayerParameter {
 *   optional string name = 4;
 *   optional LayerType type = 5;            // enum; CONVOLUTION = 4
 *   repeated BlobProto blobs = 6;
 * }
 * </pre>
 * (BlobProto: {@link CaffeBlob}; tools/caffe_subset.proto holds the whole excerpt, for the fixture
 * scripts.) The file is walked once, layer by layer, noting where each blob lies; every other field is
 * skipped unread, so the fully connected layers (most of a VGG file) are never held. A conv layer's blobs
 * are opened for their shapes afterwards and their values read only when the converter writes them.
 * Weights are kept as they are: a Caffe VGG's first conv expects BGR, i.e. caffe preprocessing.
 * Leaves out prototxt (text) files and V0 layers.
 */
final class CaffeReader {
    private CaffeReader() {}

    // Plausibility limits for Caffe files, all in one place. A VGG conv blob is (O, I, 3, 3) with O, I <= 512
    // (at most 2,359,296 values) or a bias (O), or the legacy (1, 1, 1, O).
    /** Largest dimension of a conv blob. */
    static final int MAX_DIM = 4096;
    /** Most dimensions of a conv blob. */
    static final int MAX_RANK = 4;
    /** Most values in one conv blob (64 MiB of floats, seven times VGG's largest conv). */
    static final int MAX_ELEMENTS = 1 << 24;
    /** Longest layer name or type read; longer ones are skipped as names that no VGG layer has. */
    static final int MAX_NAME_BYTES = 256;

    // NetParameter, LayerParameter and V1LayerParameter field numbers (see the class comment).
    private static final int NET_LAYERS_V1 = 2, NET_LAYER = 100;
    private static final int NAME = 1, TYPE = 2, BLOBS = 7;
    private static final int V1_NAME = 4, V1_TYPE = 5, V1_BLOBS = 6, V1_CONVOLUTION = 4;

    private static final Pattern CONV = Pattern.compile("conv\\d_\\d");

    /** A blob's bytes in the file. */
    record BlobAt(long offset, long length) {}

    static SourceModel read(Path path, String requestedArch) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage());
        }
        try {
            Map<String, List<BlobAt>> convs = scanNet(path, ch);
            Map<String, SourceModel.Conv> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<BlobAt>> e : convs.entrySet()) {
                String what = "conv layer " + e.getKey() + "'s ";
                List<BlobAt> b = e.getValue();
                out.put(e.getKey(), new SourceModel.Conv(CaffeBlob.open(path, ch, b.get(0), what + "weights", false),
                        CaffeBlob.open(path, ch, b.get(1), what + "bias", true)));
            }
            String arch = VggLayout.resolve(path.toString(), out.keySet(), requestedArch);
            FileChannel owned = ch;
            ch = null;
            return new SourceModel(path.getFileName() + " (Caffe protobuf)", arch, Preprocess.CAFFE, out,
                    List.of("dropped the fully connected layers"), (Closeable) owned);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage());
        } finally {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { /* read-only */ }
        }
    }

    /** Walks the NetParameter: the blobs of each conv layer with a paper name (conv1_1 …), in file order. */
    private static Map<String, List<BlobAt>> scanNet(Path path, FileChannel ch) throws IOException {
        Map<String, List<BlobAt>> convs = new LinkedHashMap<>();
        ProtobufReader in = new ProtobufReader(ch, 0, ch.size());
        int layers = 0;
        try {
            while (!in.atEnd()) {
                long tag = in.readTag();
                int field = ProtobufReader.fieldNumber(tag);
                if (field == NET_LAYER || field == NET_LAYERS_V1) {
                    ProtobufReader.requireWireType(tag, LEN, field == NET_LAYER ? "layer" : "layers");
                    long outer = in.enter(in.readLength());
                    scanLayer(path, in, field == NET_LAYERS_V1, convs);
                    in.exit(outer);
                    layers++;
                } else {
                    in.skipField(tag);
                }
            }
        } catch (ProtobufReader.Malformed e) {
            if (layers == 0) throw unrecognised(path, e.getMessage());
            throw new WeightsException(path + ": " + (e.truncated() ? "truncated" : "corrupt") + " Caffe model after "
                    + layers + " layers: " + e.getMessage());
        }
        if (layers == 0) throw unrecognised(path, "no layers");
        if (convs.isEmpty())
            throw new WeightsException(path + ": a Caffe model without VGG conv layers (conv1_1 …): not a VGG16/VGG19 caffemodel");
        return convs;
    }

    private static WeightsException unrecognised(Path path, String why) {
        return new WeightsException(path + ": unrecognised weights file (" + why + "): not a PyTorch .pth (zip or legacy), Keras .h5, "
                + "MatConvNet .mat or Caffe .caffemodel");
    }

    /**
     * Reads one layer's name, type and where its blobs are; keeps conv layers with paper names. Protobuf
     * does not fix the order of fields, so every layer's blob positions (at most three) are noted before
     * its name and type are known.
     */
    private static void scanLayer(Path path, ProtobufReader in, boolean v1, Map<String, List<BlobAt>> convs) throws IOException {
        int nameField = v1 ? V1_NAME : NAME, typeField = v1 ? V1_TYPE : TYPE, blobsField = v1 ? V1_BLOBS : BLOBS;
        String name = null;
        boolean conv = false;
        List<BlobAt> blobs = new ArrayList<>(2);
        int blobCount = 0;
        while (!in.atEnd()) {
            long tag = in.readTag();
            int field = ProtobufReader.fieldNumber(tag);
            if (field == nameField) {
                ProtobufReader.requireWireType(tag, LEN, "name");
                name = in.readString(MAX_NAME_BYTES);
            } else if (field == typeField && v1) {
                ProtobufReader.requireWireType(tag, VARINT, "type");
                conv = in.readVarint() == V1_CONVOLUTION;
            } else if (field == typeField) {
                ProtobufReader.requireWireType(tag, LEN, "type");
                conv = "Convolution".equals(in.readString(MAX_NAME_BYTES));
            } else if (field == blobsField) {
                ProtobufReader.requireWireType(tag, LEN, "blobs");
                long length = in.readLength();
                if (blobs.size() < 3) blobs.add(new BlobAt(in.position(), length));
                blobCount++;
                in.skip(length);
            } else {
                in.skipField(tag);
            }
        }
        if (!conv || name == null || !CONV.matcher(name).matches()) return;
        if (convs.containsKey(name)) throw new WeightsException(path + ": layer " + name + " occurs twice");
        if (blobCount != 2) throw new WeightsException(path + ": conv layer " + name + " has " + blobCount + " blobs, expected weights and bias");
        convs.put(name, blobs);
    }
}
