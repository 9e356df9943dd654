package nst.convert;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import nst.convert.caffe.CaffeProto.BlobProto;
import nst.convert.caffe.CaffeProto.LayerParameter;
import nst.convert.caffe.CaffeProto.NetParameter;
import nst.convert.caffe.CaffeProto.V1LayerParameter;
import nst.engine.WeightsException;
import nst.engine.network.Preprocess;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Caffe {@code .caffemodel} files (protobuf NetParameter; messages generated from the committed
 * caffe_subset.proto): layers under {@code layer} (LayerParameter, field 100) or the older {@code layers}
 * (V1LayerParameter, field 2), blobs with a BlobShape or legacy num/channels/height/width. The file is
 * scanned once, layer by layer, remembering where each blob lies; a conv layer's blobs are parsed only
 * when written, so the fully connected layers (most of the file) are skipped, never held. Weights are
 * kept as they are: a Caffe VGG's first conv expects BGR, i.e. caffe preprocessing. Leaves out prototxt
 * (text) files and V0 layers.
 */
final class CaffeReader {
    private CaffeReader() {}

    private static final Pattern CONV = Pattern.compile("conv\\d_\\d");

    /** A blob's bytes in the file. */
    private record BlobAt(long offset, int length) {}

    static SourceModel read(Path path, String requestedArch) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage());
        }
        try {
            Map<String, List<BlobAt>> convs = new LinkedHashMap<>();
            int layerCount = 0;
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
                CodedInputStream in = CodedInputStream.newInstance(raw);
                in.setSizeLimit(Integer.MAX_VALUE);
                long size = ch.size();
                while (true) {
                    int tag = in.readTag();
                    if (tag == 0) break;
                    int field = WireFormat.getTagFieldNumber(tag);
                    boolean v1 = field == NetParameter.LAYERS_FIELD_NUMBER, v2 = field == NetParameter.LAYER_FIELD_NUMBER;
                    if ((v1 || v2) && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int len = in.readRawVarint32();
                        if (len < 0 || in.getTotalBytesRead() + (long) len > size) throw new InvalidProtocolBufferException("layer runs past the end of the file");
                        int old = in.pushLimit(len);
                        scanLayer(in, v1, convs);
                        in.popLimit(old);
                        layerCount++;
                    } else if (!in.skipField(tag)) break;
                }
            } catch (InvalidProtocolBufferException e) {
                if (layerCount > 0) // it began as a Caffe model
                    throw new WeightsException(path + ": truncated or corrupt Caffe model after " + layerCount + " layers (" + e.getMessage() + ")");
                throw unrecognised(path, e.getMessage());
            }
            if (layerCount == 0) throw unrecognised(path, "no layers");
            if (convs.isEmpty())
                throw new WeightsException(path + ": a Caffe model without VGG conv layers (conv1_1 …): not a VGG16/VGG19 caffemodel");
            Map<String, SourceModel.Conv> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<BlobAt>> e : convs.entrySet()) {
                List<BlobAt> b = e.getValue();
                if (b.size() != 2) throw new WeightsException(path + ": conv layer " + e.getKey() + " has " + b.size() + " blobs, expected weights and bias");
                out.put(e.getKey(), new SourceModel.Conv(blob(path, ch, b.get(0), false), blob(path, ch, b.get(1), true)));
            }
            String arch = VggLayout.resolve(path.toString(), out.keySet(), requestedArch);
            FileChannel owned = ch;
            ch = null;
            return new SourceModel(path.getFileName() + " (Caffe protobuf)", arch, Preprocess.CAFFE, out,
                    List.of("dropped the fully connected layers"), (Closeable) owned);
        } catch (IOException e) {
            throw new WeightsException(path + ": truncated or corrupt Caffe model (" + e.getMessage() + ")");
        } finally {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { /* read-only */ }
        }
    }

    private static WeightsException unrecognised(Path path, String why) {
        return new WeightsException(path + ": unrecognised weights file (" + why + "): not a PyTorch .pth (zip or legacy), Keras .h5, "
                + "MatConvNet .mat or Caffe .caffemodel");
    }

    /** Reads one layer's name, type and blob positions; conv layers with paper names are kept. */
    private static void scanLayer(CodedInputStream in, boolean v1, Map<String, List<BlobAt>> convs) throws IOException {
        int nameField = v1 ? V1LayerParameter.NAME_FIELD_NUMBER : LayerParameter.NAME_FIELD_NUMBER;
        int typeField = v1 ? V1LayerParameter.TYPE_FIELD_NUMBER : LayerParameter.TYPE_FIELD_NUMBER;
        int blobsField = v1 ? V1LayerParameter.BLOBS_FIELD_NUMBER : LayerParameter.BLOBS_FIELD_NUMBER;
        String name = null;
        boolean conv = false;
        List<BlobAt> blobs = new ArrayList<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            int f = WireFormat.getTagFieldNumber(tag), wt = WireFormat.getTagWireType(tag);
            if (f == nameField && wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) name = in.readString();
            else if (f == typeField && v1 && wt == WireFormat.WIRETYPE_VARINT) conv = in.readEnum() == V1LayerParameter.LayerType.CONVOLUTION_VALUE;
            else if (f == typeField && !v1 && wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) conv = in.readString().equals("Convolution");
            else if (f == blobsField && wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int len = in.readRawVarint32();
                blobs.add(new BlobAt(in.getTotalBytesRead(), len));
                in.skipRawBytes(len);
            } else if (!in.skipField(tag)) break;
        }
        if (conv && name != null && CONV.matcher(name).matches() && convs.put(name, blobs) != null)
            throw new InvalidProtocolBufferException("layer " + name + " occurs twice");
    }

    private static SourceTensor blob(Path path, FileChannel ch, BlobAt at, boolean vector) throws IOException {
        BlobProto header = parse(path, ch, at, true);
        int[] shape;
        if (header.hasShape()) {
            shape = new int[header.getShape().getDimCount()];
            for (int i = 0; i < shape.length; i++) shape[i] = Math.toIntExact(header.getShape().getDim(i));
        } else {
            shape = new int[] {header.getNum(), header.getChannels(), header.getHeight(), header.getWidth()};
        }
        if (vector) { // bias: (O), or legacy (1, 1, 1, O)
            long n = 1;
            int nonSingleton = 0;
            for (int d : shape) { n *= d; if (d != 1) nonSingleton++; }
            if (nonSingleton <= 1) shape = new int[] {(int) n};
        }
        final int[] s = shape;
        return new SourceTensor() {
            @Override public int[] shape() { return s; }

            @Override public float[] read() throws IOException {
                BlobProto b = parse(path, ch, at, false);
                long n = elements();
                float[] out = new float[(int) n];
                if (b.getDataCount() == n) for (int i = 0; i < out.length; i++) out[i] = b.getData(i);
                else if (b.getDoubleDataCount() == n) for (int i = 0; i < out.length; i++) out[i] = (float) b.getDoubleData(i);
                else throw new WeightsException(path + ": a blob holds " + Math.max(b.getDataCount(), b.getDoubleDataCount())
                            + " values for shape " + java.util.Arrays.toString(s));
                return out;
            }
        };
    }

    /** Parses a blob from its bytes; for the header only, the data fields are not needed but cost little next to a conv. */
    private static BlobProto parse(Path path, FileChannel ch, BlobAt at, boolean headerOnly) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(at.length());
        TorchReader.readFully(ch, buf, at.offset());
        try {
            if (!headerOnly) return BlobProto.parseFrom(buf.array());
            // Shape fields only: skip data (fields 5, 6, 8, 9) without materialising it.
            CodedInputStream in = CodedInputStream.newInstance(buf.array());
            BlobProto.Builder b = BlobProto.newBuilder();
            while (true) {
                int tag = in.readTag();
                if (tag == 0) break;
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case BlobProto.NUM_FIELD_NUMBER -> b.setNum(in.readInt32());
                    case BlobProto.CHANNELS_FIELD_NUMBER -> b.setChannels(in.readInt32());
                    case BlobProto.HEIGHT_FIELD_NUMBER -> b.setHeight(in.readInt32());
                    case BlobProto.WIDTH_FIELD_NUMBER -> b.setWidth(in.readInt32());
                    case BlobProto.SHAPE_FIELD_NUMBER -> {
                        int len = in.readRawVarint32();
                        int old = in.pushLimit(len);
                        b.setShape(nst.convert.caffe.CaffeProto.BlobShape.parseFrom(in));
                        in.popLimit(old);
                    }
                    default -> in.skipField(tag);
                }
            }
            return b.build();
        } catch (InvalidProtocolBufferException e) {
            throw new WeightsException(path + ": corrupt blob at byte " + at.offset() + " (" + e.getMessage() + ")");
        }
    }
}
