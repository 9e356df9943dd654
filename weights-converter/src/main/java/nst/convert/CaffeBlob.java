package nst.convert;

import nst.engine.WeightsException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

import static nst.convert.ProtobufReader.I32;
import static nst.convert.ProtobufReader.I64;
import static nst.convert.ProtobufReader.LEN;
import static nst.convert.ProtobufReader.VARINT;

/**
 * One conv layer's weights or bias: a Caffe BlobProto, read from its bytes in the file in two passes.
 * The first (when the model is opened) reads the shape and counts the values, checking both against
 * {@link CaffeReader}'s plausibility limits; the second ({@link #read}, when the converter writes the
 * tensor) reads the values. The fields, from caffe.proto:
 * <pre>
 * message BlobProto {
 *   optional BlobShape shape = 7;                      // message BlobShape { repeated int64 dim = 1 [packed = true]; }
 *   repeated float data = 5 [packed = true];
 *   repeated float diff = 6 [packed = true];           // gradients: skipped
 *   repeated double double_data = 8 [packed = true];
 *   repeated double double_diff = 9 [packed = true];   // skipped
 *   optional int32 num = 1; optional int32 channels = 2; optional int32 height = 3; optional int32 width = 4;  // legacy 4-D shape
 * }
 * </pre>
 * A repeated number may be written packed (one LEN field, possibly several) or one field per value; both
 * are read. {@code shape} wins over the legacy dimensions when both are present, as in Caffe. Leaves out
 * the gradients and every blob that is not a VGG conv's (the fully connected ones are never opened).
 */
final class CaffeBlob implements SourceTensor {
    // BlobProto and BlobShape field numbers (see the class comment).
    private static final int NUM = 1, CHANNELS = 2, HEIGHT = 3, WIDTH = 4, DATA = 5, SHAPE = 7, DOUBLE_DATA = 8;
    private static final int SHAPE_DIM = 1;
    private static final String[] LEGACY_NAMES = {null, "num", "channels", "height", "width"};

    private final Path path;
    private final FileChannel file;
    private final CaffeReader.BlobAt at;
    private final String what;
    private final int[] shape;
    private final boolean doubles;  // values are in double_data, not data

    private CaffeBlob(Path path, FileChannel file, CaffeReader.BlobAt at, String what, int[] shape, boolean doubles) {
        this.path = path;
        this.file = file;
        this.at = at;
        this.what = what;
        this.shape = shape;
        this.doubles = doubles;
    }

    /**
     * Reads the blob's shape and checks it. A bias ({@code vector}) stored as (1, 1, 1, O) by old models
     * becomes (O).
     *
     * @param what the blob in messages, e.g. "conv layer conv1_1's weights"
     */
    static CaffeBlob open(Path path, FileChannel file, CaffeReader.BlobAt at, String what, boolean vector) throws IOException {
        ProtobufReader in = new ProtobufReader(file, at.offset(), at.offset() + at.length());
        long[] dims = null;
        long[] legacy = new long[5];
        boolean hasLegacy = false;
        long floats = 0, doubles = 0;
        try {
            while (!in.atEnd()) {
                long tag = in.readTag();
                int field = ProtobufReader.fieldNumber(tag);
                switch (field) {
                    case SHAPE -> {
                        ProtobufReader.requireWireType(tag, LEN, "shape");
                        dims = readShape(in);
                    }
                    case NUM, CHANNELS, HEIGHT, WIDTH -> {
                        ProtobufReader.requireWireType(tag, VARINT, LEGACY_NAMES[field]);
                        legacy[field] = (int) in.readVarint();  // an int32, written sign-extended
                        hasLegacy = true;
                    }
                    case DATA -> floats += skipValues(in, tag, 4, "data");
                    case DOUBLE_DATA -> doubles += skipValues(in, tag, 8, "double_data");
                    default -> in.skipField(tag);
                }
            }
        } catch (ProtobufReader.Malformed e) {
            throw new WeightsException(path + ": " + what + ": " + e.getMessage());
        }
        if (dims == null && !hasLegacy) throw new WeightsException(path + ": " + what + " has no shape");
        int[] shape = checkedShape(path, what, dims != null ? dims : Arrays.copyOfRange(legacy, 1, 5));
        long n = elements(shape);
        if (n > CaffeReader.MAX_ELEMENTS)
            throw new WeightsException(path + ": " + what + " has shape " + Arrays.toString(shape) + ", " + n
                    + " values, more than the " + CaffeReader.MAX_ELEMENTS + " a VGG conv can have");
        if (floats != n && doubles != n)
            throw new WeightsException(path + ": " + what + " holds " + Math.max(floats, doubles) + " values for shape " + Arrays.toString(shape));
        if (vector && Arrays.stream(shape).filter(d -> d != 1).count() <= 1) shape = new int[] {(int) n};
        return new CaffeBlob(path, file, at, what, shape, floats != n);
    }

    /** BlobShape's dims, packed or one field each, at most MAX_RANK of them. */
    private static long[] readShape(ProtobufReader in) throws IOException {
        long[] dims = new long[CaffeReader.MAX_RANK];
        int rank = 0;
        long outer = in.enter(in.readLength());
        while (!in.atEnd()) {
            long tag = in.readTag();
            if (ProtobufReader.fieldNumber(tag) != SHAPE_DIM) {
                in.skipField(tag);
                continue;
            }
            if (ProtobufReader.wireType(tag) == LEN) { // packed: varints up to the field's end
                long inner = in.enter(in.readLength());
                while (!in.atEnd()) rank = addDim(dims, rank, in.readVarint());
                in.exit(inner);
            } else {
                ProtobufReader.requireWireType(tag, VARINT, "dim");
                rank = addDim(dims, rank, in.readVarint());
            }
        }
        in.exit(outer);
        return Arrays.copyOf(dims, rank);
    }

    private static int addDim(long[] dims, int rank, long dim) throws ProtobufReader.Malformed {
        if (rank == dims.length) throw new ProtobufReader.Malformed("more than " + dims.length + " dimensions (a VGG conv has 4)", false);
        dims[rank] = dim;
        return rank + 1;
    }

    /** Skips a repeated number's values (packed or one), returning how many there were. */
    private static long skipValues(ProtobufReader in, long tag, int width, String name) throws IOException {
        if (ProtobufReader.wireType(tag) == LEN) {
            long length = in.readLength();
            if (length % width != 0)
                throw new ProtobufReader.Malformed("packed " + name + " of " + length + " bytes at byte " + in.position()
                        + " is not a whole number of " + width + "-byte values", false);
            in.skip(length);
            return length / width;
        }
        ProtobufReader.requireWireType(tag, width == 4 ? I32 : I64, name);
        in.skipField(tag);
        return 1;
    }

    private static int[] checkedShape(Path path, String what, long[] dims) {
        if (dims.length == 0) throw new WeightsException(path + ": " + what + " has an empty shape");
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1 || dims[i] > CaffeReader.MAX_DIM)
                throw new WeightsException(path + ": " + what + " has dimension " + dims[i] + ", not between 1 and "
                        + CaffeReader.MAX_DIM + " (the limit for a VGG conv)");
            shape[i] = (int) dims[i];
        }
        return shape;
    }

    /** The product of the dimensions; cannot overflow, as there are at most MAX_RANK of at most MAX_DIM each. */
    private static long elements(int[] shape) {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override public int[] shape() { return shape.clone(); }

    @Override
    public float[] read() throws IOException {
        float[] out = new float[Math.toIntExact(elements(shape))];
        int dataField = doubles ? DOUBLE_DATA : DATA, width = doubles ? 8 : 4;
        int filled = 0;
        ProtobufReader in = new ProtobufReader(file, at.offset(), at.offset() + at.length());
        try {
            while (!in.atEnd()) {
                long tag = in.readTag();
                if (ProtobufReader.fieldNumber(tag) != dataField) {
                    in.skipField(tag);
                    continue;
                }
                long count = ProtobufReader.wireType(tag) == LEN ? in.readLength() / width : 1;
                if (count > out.length - filled) throw new ProtobufReader.Malformed("holds more values than when it was opened (the file changed?)", false);
                for (long i = 0; i < count; i++)
                    out[filled++] = doubles ? (float) Double.longBitsToDouble(in.readFixed64()) : Float.intBitsToFloat(in.readFixed32());
            }
            if (filled != out.length) throw new ProtobufReader.Malformed("holds fewer values than when it was opened (the file changed?)", false);
        } catch (ProtobufReader.Malformed e) {
            throw new WeightsException(path + ": " + what + ": " + e.getMessage());
        }
        return out;
    }
}
