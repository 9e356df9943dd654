package nst.engine.io;

import nst.engine.WeightsException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (docs/DESIGN.md, "Weights format"): 8-byte little-endian header length, a JSON
 * header, raw little-endian data. Reads F32, F64, F16 and BF16 into float; writes F32, streaming one
 * tensor at a time so a converter never holds a whole model. Leaves out integer dtypes and memory
 * mapping of the data (tensors are read into heap arrays on demand).
 */
public final class SafeTensors {
    private SafeTensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Refuse absurd headers before allocating for them. */
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's header entry. {@code begin}/{@code end} are byte offsets into the data section. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        public String shapeString() { return Arrays.toString(shape); }
    }

    /** What to write for one tensor: its name, shape, and the floats (row-major, length = product of shape). */
    public record TensorSpec(String name, int[] shape) {
        public long elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** Supplies a tensor's data when the writer reaches it (so only one tensor need be in memory). */
    @FunctionalInterface
    public interface DataSource {
        float[] data(TensorSpec spec) throws IOException;
    }

    /** An open safetensors file: header parsed, tensor data read on demand. */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, String> metadata;
        private final Map<String, Entry> entries;

        private Reader(Path path, FileChannel ch, long dataStart, Map<String, String> metadata, Map<String, Entry> entries) {
            this.path = path;
            this.channel = ch;
            this.dataStart = dataStart;
            this.metadata = metadata;
            this.entries = entries;
        }

        public Path path() { return path; }
        public Map<String, String> metadata() { return metadata; }
        /** Tensor names in file order of their data. */
        public Map<String, Entry> entries() { return entries; }
        public boolean has(String name) { return entries.containsKey(name); }

        public Entry entry(String name) {
            Entry e = entries.get(name);
            if (e == null) throw new WeightsException(path + ": no tensor '" + name + "'");
            return e;
        }

        /** The tensor's values converted to float. */
        public float[] floats(String name) {
            Entry e = entry(name);
            ByteBuffer bytes = bytes(e);
            float[] out = new float[(int) e.elements()];
            switch (e.dtype) {
                case "F32" -> bytes.asFloatBuffer().get(out);
                case "F64" -> { for (int i = 0; i < out.length; i++) out[i] = (float) bytes.getDouble(i * 8); }
                case "F16" -> { for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(bytes.getShort(i * 2)); }
                case "BF16" -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((bytes.getShort(i * 2) & 0xffff) << 16); }
                default -> throw new WeightsException(path + ": tensor '" + name + "' has unsupported dtype " + e.dtype);
            }
            return out;
        }

        /** A one-element tensor as double (F64 kept exact). */
        public double scalar(String name) {
            Entry e = entry(name);
            if (e.elements() != 1) throw new WeightsException(path + ": tensor '" + name + "' is not a scalar: shape " + e.shapeString());
            return doubles(name)[0];
        }

        /** All values of an F64 tensor as doubles (other dtypes widened from float). */
        public double[] doubles(String name) {
            Entry e = entry(name);
            if (!e.dtype.equals("F64")) {
                float[] f = floats(name);
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) d[i] = f[i];
                return d;
            }
            double[] d = new double[(int) e.elements()];
            bytes(e).asDoubleBuffer().get(d);
            return d;
        }

        /**
         * The tensor's bytes, little-endian. Their count was checked at open (at most
         * WeightsLimits.MAX_TENSOR_ELEMENTS values, inside the file); a file that shrank since is an error.
         */
        private ByteBuffer bytes(Entry e) {
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
            try {
                long pos = dataStart + e.begin;
                while (bytes.hasRemaining()) {
                    int r = channel.read(bytes, pos);
                    if (r < 0) throw new WeightsException(path + ": truncated while reading tensor '" + e.name + "'");
                    pos += r;
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(path + ": " + ex.getMessage(), ex);
            }
            return bytes.flip();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a read-only channel cannot lose data
            }
        }
    }

    /**
     * Opens and validates a safetensors file: header length, JSON, dtypes, shapes against byte ranges,
     * ranges inside the file. Every error names the file and, where there is one, the tensor.
     */
    public static Reader open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightsException("weights file not found: " + path);
        } catch (IOException e) {
            throw new WeightsException("cannot read weights file " + path + ": " + e.getMessage());
        }
        try {
            long size = ch.size();
            if (size < 8) throw new WeightsException(path + ": not a safetensors file (only " + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 1 || headerLen > MAX_HEADER || headerLen > size - 8)
                throw new WeightsException(path + ": not a safetensors file (header length " + headerLen + " for a file of " + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            while (hb.hasRemaining()) if (ch.read(hb, 8 + hb.position()) < 0) break;
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            JsonNode header;
            try {
                header = JSON.readTree(headerText);
            } catch (JsonProcessingException e) {
                throw new WeightsException(path + ": not a safetensors file (header is not JSON: " + e.getOriginalMessage() + ")");
            }
            if (header == null || !header.isObject()) throw new WeightsException(path + ": not a safetensors file (header is not a JSON object)");
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, String> meta = new LinkedHashMap<>();
            List<Entry> list = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    for (Iterator<Map.Entry<String, JsonNode>> m = f.getValue().fields(); m.hasNext(); ) {
                        Map.Entry<String, JsonNode> kv = m.next();
                        if (!kv.getValue().isTextual())
                            throw new WeightsException(path + ": metadata key '" + kv.getKey() + "' is not a string");
                        meta.put(kv.getKey(), kv.getValue().asText());
                    }
                    continue;
                }
                list.add(parseEntry(path, f.getKey(), f.getValue(), dataLen));
            }
            list.sort((a, b) -> Long.compare(a.begin, b.begin));
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Entry e : list) entries.put(e.name, e);
            return new Reader(path, ch, dataStart, Collections.unmodifiableMap(meta), Collections.unmodifiableMap(entries));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new WeightsException("cannot read weights file " + path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode n, long dataLen) {
        String where = path + ": tensor '" + name + "'";
        if (!n.isObject() || !n.has("dtype") || !n.has("shape") || !n.has("data_offsets"))
            throw new WeightsException(where + " lacks dtype, shape or data_offsets");
        String dtype = n.get("dtype").asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F64" -> 8;
            case "F16", "BF16" -> 2;
            default -> throw new WeightsException(where + " has unsupported dtype " + dtype + " (F32, F64, F16, BF16 are read)");
        };
        JsonNode sh = n.get("shape"), off = n.get("data_offsets");
        if (!sh.isArray() || !off.isArray()) throw new WeightsException(where + " has a shape or data_offsets that is not a list");
        long[] dims = new long[sh.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!sh.get(i).isIntegralNumber() || !sh.get(i).canConvertToLong())
                throw new WeightsException(where + " has an invalid shape (dimension " + i + " is not an integer)");
            dims[i] = sh.get(i).asLong();
        }
        long elements = WeightsLimits.checkedElements(where, dims, WeightsLimits.MAX_TENSOR_ELEMENTS);
        int[] shape = new int[dims.length];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) dims[i];
        if (off.size() != 2) throw new WeightsException(where + " has invalid data_offsets " + off);
        long begin = off.get(0).asLong(-1), end = off.get(1).asLong(-1);
        if (begin < 0 || end < begin) throw new WeightsException(where + " has invalid data_offsets " + off);
        if (end > dataLen)
            throw new WeightsException(path + ": truncated file: tensor '" + name + "' ends at byte " + end + " of the data section, which has only " + dataLen + " bytes");
        if (end - begin != elements * width)
            throw new WeightsException(where + " holds " + (end - begin) + " bytes, but shape " + sh + " of " + dtype + " needs " + elements * width);
        return new Entry(name, dtype, shape, begin, end);
    }

    /**
     * Writes float32 tensors (sorted by name, as the reference implementation does) to a temporary file
     * beside {@code out}, then renames it over {@code out}: a failure never leaves a partial file.
     */
    public static void write(Path out, Map<String, String> metadata, List<TensorSpec> specs, DataSource source) throws IOException {
        TreeMap<String, TensorSpec> sorted = new TreeMap<>();
        for (TensorSpec s : specs) {
            if (sorted.put(s.name(), s) != null) throw new IllegalArgumentException("tensor '" + s.name() + "' listed twice");
        }
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(m::put);
        }
        long offset = 0;
        for (TensorSpec s : sorted.values()) {
            ObjectNode e = header.putObject(s.name());
            e.put("dtype", "F32");
            var shape = e.putArray("shape");
            for (int d : s.shape()) shape.add(d);
            long bytes = s.elements() * 4;
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;          // data section starts 8-byte aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFiles.write(out, ch -> {
            while (head.hasRemaining()) ch.write(head);
            for (TensorSpec s : sorted.values()) {
                float[] data = source.data(s);
                if (data.length != s.elements())
                    throw new IllegalArgumentException("tensor '" + s.name() + "' has " + data.length + " values for shape " + Arrays.toString(s.shape()));
                ByteBuffer bb = ByteBuffer.allocate(Math.min(data.length, 1 << 18) * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; ) {
                    bb.clear();
                    int n = Math.min(data.length - i, bb.capacity() / 4);
                    bb.asFloatBuffer().put(data, i, n);
                    bb.limit(n * 4);
                    while (bb.hasRemaining()) ch.write(bb);
                    i += n;
                }
            }
        });
    }

    /** Convenience: writes in-memory tensors. */
    public static void write(Path out, Map<String, String> metadata, Map<String, float[]> data, Map<String, int[]> shapes) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (String name : data.keySet()) {
            int[] shape = shapes.get(name);
            if (shape == null) throw new IllegalArgumentException("no shape for tensor '" + name + "'");
            specs.add(new TensorSpec(name, shape));
        }
        write(out, metadata, specs, s -> data.get(s.name()));
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through this channel
        }
    }
}
