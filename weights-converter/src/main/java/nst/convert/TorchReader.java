package nst.convert;

import nst.convert.SafeUnpickler.Global;
import nst.convert.SafeUnpickler.TensorRef;
import nst.convert.SafeUnpickler.Tuple;
import nst.engine.WeightsException;
import nst.engine.network.Preprocess;
import nst.engine.io.WeightsLimits;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * PyTorch {@code .pth} state dicts in both containers: the zip archive of torch ≥ 1.6 ({@code
 * <name>/data.pkl} + {@code <name>/data/<key>}) and the legacy stream (magic-number, protocol and
 * sys_info pickles, the state-dict pickle, the storage-key list, then each storage's 8-byte element
 * count and raw bytes). Pickles go through {@link SafeUnpickler}; tensor data is read per tensor, on
 * demand, from its byte range. Keys: torchvision's {@code features.N.*} (torchvision preprocessing) or
 * paper names {@code conv1_1.*} (Gatys' normalised VGG; caffe preprocessing). Leaves out whole pickled
 * modules, batch-norm VGGs and the pre-0.1.10 tar container.
 */
final class TorchReader {
    private TorchReader() {}

    /** PyTorch's legacy-format magic number (torch/serialization.py MAGIC_NUMBER). */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;

    private static final Pattern TORCHVISION_KEY = Pattern.compile("(?:features\\.)?(\\d+)\\.(weight|bias)");
    private static final Pattern PAPER_KEY = Pattern.compile("(conv\\d_\\d)\\.(weight|bias)");
    private static final Pattern BARE_KEY = Pattern.compile("(\\d{1,4})\\.(weight|bias)");
    private static final Pattern DROPPED_KEY = Pattern.compile("(classifier\\.|fc\\d).*");

    /** A storage a persistent id names: its key, dtype, element count, and a view's element offset. */
    record StorageRef(String key, String dtype, long numel, long viewOffset) {}

    /** Where storages' bytes live. */
    private interface Storages extends Closeable {
        /** {@code count} elements of storage {@code key} starting at element {@code first}, as float. */
        float[] read(StorageRef s, long first, int count) throws IOException;
    }

    /** The three containers torch.save has written. */
    enum Container {
        ZIP("PyTorch zip container"), LEGACY("PyTorch legacy container"), TAR("PyTorch tar container (torch < 0.1.10)");
        final String description;
        Container(String d) { description = d; }
    }

    static SourceModel read(Path path, boolean zip, String requestedArch) {
        return read(path, zip ? Container.ZIP : Container.LEGACY, requestedArch);
    }

    static SourceModel read(Path path, Container container, String requestedArch) {
        Storages storages = null;
        try {
            Map<Object, Object> root;
            switch (container) {
                case ZIP -> {
                    ZipStorages z = ZipStorages.open(path);
                    storages = z;
                    root = z.root;
                }
                case LEGACY -> {
                    LegacyStorages l = LegacyStorages.open(path);
                    storages = l;
                    root = l.root;
                }
                default -> {
                    TarStorages t = TarStorages.open(path);
                    storages = t;
                    root = t.root;
                }
            }
            SourceModel m = stateDict(path, container, root, storages, requestedArch);
            storages = null; // owned by the model now
            return m;
        } catch (EOFException e) {
            throw new WeightsException(path + ": truncated file (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage());
        } finally {
            if (storages != null) try { storages.close(); } catch (IOException ignored) { /* read-only */ }
        }
    }

    // ------------------------------------------------------------------ state dict → paper names

    @SuppressWarnings("unchecked")
    private static SourceModel stateDict(Path path, Container c, Map<Object, Object> root, Storages storages, String requestedArch) {
        Map<Object, Object> sd = root;
        for (String wrapper : List.of("state_dict", "model")) // training checkpoints wrap the dict
            if (sd.get(wrapper) instanceof Map<?, ?> inner) sd = (Map<Object, Object>) inner;
        Map<String, TensorRef> tensors = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : sd.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.startsWith("module.")) k = k.substring(7);   // DataParallel prefix
            if (e.getValue() instanceof TensorRef t) tensors.put(k, t);
        }
        String container = c.description;
        if (tensors.containsKey("conv1.weight") || tensors.keySet().stream().anyMatch(k -> k.startsWith("layer1.") || k.startsWith("bn1.")))
            return resnet(path, container, tensors, storages);
        if (!tensors.isEmpty() && tensors.keySet().stream().allMatch(k -> BARE_KEY.matcher(k).matches())) {
            Map<Integer, Map<String, int[]>> shapes = new TreeMap<>();
            for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
                Matcher m = BARE_KEY.matcher(e.getKey());
                if (m.matches()) shapes.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new HashMap<>()).put(m.group(2), shapeOf(e.getValue()));
            }
            String half = AdaInLayout.classify(shapes);
            if (half != null) return adain(path, container, half, tensors, storages);
        }
        TreeMap<Integer, Map<String, TensorRef>> byIndex = new TreeMap<>();
        Map<String, Map<String, TensorRef>> byName = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        int dropped = 0;
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            String k = e.getKey();
            Matcher m;
            if ((m = TORCHVISION_KEY.matcher(k)).matches())
                byIndex.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new HashMap<>()).put(m.group(2), e.getValue());
            else if ((m = PAPER_KEY.matcher(k)).matches())
                byName.computeIfAbsent(m.group(1), i -> new HashMap<>()).put(m.group(2), e.getValue());
            else if (DROPPED_KEY.matcher(k).matches()) dropped++;
            else unknown.add(k);
        }
        for (String k : unknown)
            if (k.endsWith("running_mean") || k.endsWith("running_var"))
                throw new WeightsException(path + ": a batch-normalised VGG (key '" + k + "'); the engine's VGG has no batch norm: use the plain vgg16/vgg19 weights");
        if (byIndex.isEmpty() && byName.isEmpty())
            throw new WeightsException(path + ": no VGG conv layers in this state dict (expected keys like features.0.weight or conv1_1.weight); it has "
                    + preview(tensors.keySet()));
        if (!byIndex.isEmpty() && !byName.isEmpty())
            throw new WeightsException(path + ": mixes torchvision keys (features.N) and paper-named keys (convB_I)");
        if (!unknown.isEmpty())
            throw new WeightsException(path + ": unexpected tensors for a VGG state dict: " + preview(unknown));

        Map<String, Map<String, TensorRef>> convs;
        String arch, kind;
        Preprocess pre;
        if (!byIndex.isEmpty()) {
            arch = torchvisionArch(path, byIndex.keySet(), requestedArch);
            List<Integer> idx = convIndices(arch);
            convs = new LinkedHashMap<>();
            for (Map.Entry<Integer, Map<String, TensorRef>> e : byIndex.entrySet())
                convs.put(paperName(arch, idx.indexOf(e.getKey())), e.getValue());
            pre = Preprocess.TORCHVISION;
            kind = "torchvision state dict";
        } else {
            arch = VggLayout.resolve(path.toString(), byName.keySet(), requestedArch);
            convs = byName;
            pre = Preprocess.CAFFE;
            kind = "paper-named state dict (Gatys' normalised VGG layout, caffe preprocessing)";
        }
        Map<String, SourceModel.Conv> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, TensorRef>> e : convs.entrySet()) {
            String name = e.getKey();
            out.put(name, new SourceModel.Conv(
                    tensor(path, name + ".weight", e.getValue().get("weight"), storages),
                    tensor(path, name + ".bias", e.getValue().get("bias"), storages)));
        }
        List<String> notes = new ArrayList<>();
        if (dropped > 0) notes.add("dropped " + dropped + " fully connected tensors (style transfer uses the conv layers only)");
        return new SourceModel(path.getFileName() + " (" + kind + ", " + container + ")", arch, pre, out, notes, storages);
    }

    /** A tensor's shape for classification only (sizes beyond int are refused when the tensor is described). */
    private static int[] shapeOf(TensorRef t) {
        int[] s = new int[t.size().length];
        for (int i = 0; i < s.length; i++) s[i] = (int) Math.max(-1, Math.min(Integer.MAX_VALUE, t.size()[i]));
        return s;
    }

    /** One half of an AdaIN file (vgg_normalised.pth or decoder.pth): tensors renamed encoder.i.* / decoder.i.*. */
    private static SourceModel adain(Path path, String container, String half, Map<String, TensorRef> tensors, Storages storages) {
        String prefix = half.equals(SourceModel.ADAIN_ENCODER) ? "encoder." : "decoder.";
        Map<String, SourceTensor> named = new LinkedHashMap<>();
        TreeMap<Integer, String> ordered = new TreeMap<>();
        for (String k : tensors.keySet()) ordered.put(Integer.parseInt(k.substring(0, k.indexOf('.'))) * 2 + (k.endsWith("bias") ? 1 : 0), k);
        for (String k : ordered.values()) named.put(prefix + k, tensor(path, prefix + k, tensors.get(k), storages));
        String what = half.equals(SourceModel.ADAIN_ENCODER) ? "AdaIN encoder, vgg_normalised layout" : "AdaIN decoder";
        return SourceModel.named(path.getFileName() + " (" + what + ", " + container + ")", half, null, named, Map.of(), List.of(), storages);
    }

    /**
     * torchvision's ResNet-50 state dict, batch norms folded into the convs (eps 1e-5, BatchNorm2d's default):
     * conv1+bn1, layerS.B.convK+bnK, layerS.0.downsample.0+downsample.1. fc.* and the 0-d int64
     * num_batches_tracked counters are dropped; anything else is an error naming it.
     */
    private static SourceModel resnet(Path path, String container, Map<String, TensorRef> tensors, Storages storages) {
        TensorRef stem = tensors.get("conv1.weight");
        if (stem == null || stem.size().length != 4 || stem.size()[0] <= 0 || stem.size()[0] > WeightsLimits.MAX_CHANNELS / 32)
            throw new WeightsException(path + ": a ResNet-like state dict without a usable conv1.weight (the 7×7 stem conv)");
        int base = (int) stem.size()[0];
        Map<String, SourceTensor> named = new LinkedHashMap<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (ResNetLayout.ConvSpec c : ResNetLayout.convs(base)) {
            String conv, bn;
            if (c.name().equals("conv1")) { conv = "conv1"; bn = "bn1"; }
            else if (c.name().endsWith(".downsample")) { conv = c.name() + ".0"; bn = c.name() + ".1"; }
            else { conv = c.name(); bn = c.name().substring(0, c.name().length() - 5) + "bn" + c.name().charAt(c.name().length() - 1); }
            String[] keys = {conv + ".weight", conv + ".bias", bn + ".weight", bn + ".bias", bn + ".running_mean", bn + ".running_var"};
            if (!tensors.containsKey(keys[0]))
                throw new WeightsException(path + ": a ResNet state dict without " + keys[0] + "; ResNet-50 (torchvision, bottleneck blocks 3, 4, 6, 3) needs it"
                        + (tensors.containsKey("layer1.0.conv2.weight") && !tensors.containsKey("layer1.0.conv3.weight") ? " (this looks like ResNet-18/34: basic blocks)" : ""));
            SourceTensor[] t = new SourceTensor[keys.length];
            for (int i = 0; i < keys.length; i++) {
                t[i] = tensor(path, keys[i], tensors.get(keys[i]), storages);
                used.add(keys[i]);
            }
            if (t[0].shape().length != 4 || !java.util.Arrays.equals(t[0].shape(), new int[] {c.outC(), c.inC(), c.k(), c.k()}))
                throw new WeightsException(path + ": tensor '" + keys[0] + "' has shape " + java.util.Arrays.toString(t[0].shape()) + ", expected "
                        + java.util.Arrays.toString(new int[] {c.outC(), c.inC(), c.k(), c.k()}) + " for ResNet-50 with stem width " + base);
            ResNetLayout.fold(path.toString(), c.name(), new ResNetLayout.ConvBn(t[0], t[1], t[2], t[3], t[4], t[5], ResNetLayout.EPS_TORCHVISION), named);
        }
        int counters = 0, fc = 0;
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            String k = e.getKey();
            if (used.contains(k)) continue;
            if (k.endsWith(".num_batches_tracked")) {
                TensorRef t = e.getValue();
                if (t.size().length != 0 || !(t.storage() instanceof StorageRef s) || !s.dtype().startsWith("I"))
                    throw new WeightsException(path + ": tensor '" + k + "' is not a 0-d integer counter as torchvision's num_batches_tracked is");
                counters++;
            } else if (k.equals("fc.weight") || k.equals("fc.bias")) fc++;
            else unknown.add(k);
        }
        if (!unknown.isEmpty())
            throw new WeightsException(path + ": unexpected tensors for torchvision's ResNet-50: " + preview(unknown)
                    + (unknown.stream().anyMatch(k -> k.startsWith("layer3.6") || k.startsWith("layer2.4")) ? " (a deeper ResNet, 101/152? only ResNet-50 is supported)" : ""));
        List<String> notes = new ArrayList<>();
        notes.add("folded " + ResNetLayout.convs(base).size() + " batch norms into their convs (inference statistics, eps 1e-5)");
        if (counters > 0) notes.add("dropped " + counters + " num_batches_tracked counters");
        if (fc > 0) notes.add("dropped the classifier fc (style transfer uses the trunk only)");
        return SourceModel.named(path.getFileName() + " (torchvision ResNet-50 state dict, " + container + ")", "resnet50", Preprocess.TORCHVISION,
                named, Map.of(), notes, storages); // v1.5, the default: no "variant" key (only Keras' v1 files carry one)
    }

    private static String preview(java.util.Collection<String> keys) {
        List<String> l = new ArrayList<>(keys);
        String s = String.join(", ", l.subList(0, Math.min(8, l.size())));
        return l.size() > 8 ? s + ", … (" + l.size() + " in all)" : (l.isEmpty() ? "no tensors" : s);
    }

    /** Indices of the conv modules in torchvision's {@code features} Sequential (conv, relu, …, pool). */
    static List<Integer> convIndices(String arch) {
        int[] blocks = arch.equals("vgg19") ? new int[] {2, 2, 4, 4, 4} : new int[] {2, 2, 3, 3, 3};
        List<Integer> out = new ArrayList<>();
        int i = 0;
        for (int n : blocks) {
            for (int c = 0; c < n; c++, i += 2) out.add(i);
            i++; // pool
        }
        return out;
    }

    static String paperName(String arch, int k) {
        int[] blocks = arch.equals("vgg19") ? new int[] {2, 2, 4, 4, 4} : new int[] {2, 2, 3, 3, 3};
        for (int b = 0; b < 5; b++) {
            if (k < blocks[b]) return "conv" + (b + 1) + "_" + (k + 1);
            k -= blocks[b];
        }
        throw new IllegalArgumentException("conv index out of range");
    }

    private static String torchvisionArch(Path path, java.util.Set<Integer> present, String requested) {
        boolean fits16 = convIndices("vgg16").containsAll(present), fits19 = convIndices("vgg19").containsAll(present);
        String asked = VggLayout.requested(requested);
        if (!fits16 && !fits19) {
            TreeSet<Integer> odd = new TreeSet<>(present);
            odd.removeAll(convIndices("vgg19"));
            odd.removeAll(convIndices("vgg16"));
            throw new WeightsException(path + ": features indices " + new TreeSet<>(present) + " match neither VGG16 nor VGG19"
                    + (odd.isEmpty() ? "" : " (features." + odd.first() + " is no conv of either)"));
        }
        if (asked != null) {
            if (asked.equals("vgg19") && !fits19)
                throw new WeightsException(path + " holds VGG16 weights (features indices of VGG16), but vgg19 was asked; convert it with --arch vgg16");
            if (asked.equals("vgg16") && !fits16)
                throw new WeightsException(path + " holds VGG19 weights (features indices of VGG19), but vgg16 was asked; convert it with --arch vgg19");
            return asked;
        }
        if (fits16 && fits19)
            throw new WeightsException(path + ": its features indices " + new TreeSet<>(present) + " fit both VGG16 and VGG19; say which with --arch");
        return fits19 ? "vgg19" : "vgg16";
    }

    /**
     * A tensor's view on its storage, checked before anything is read: a plausible shape (WeightsLimits),
     * non-negative strides, inside the storage, no more values than the storage holds (a stride-0 view that
     * repeats one stored value into a layer is no trained weight), and a span of the storage that is no
     * larger than a VGG layer (a view that gathers a few values from gigabytes reads them all).
     */
    private static SourceTensor tensor(Path path, String name, TensorRef t, Storages storages) {
        if (t == null) return null;
        String what = path + ": tensor '" + name + "'";
        if (!(t.storage() instanceof StorageRef s))
            throw new WeightsException(what + " has no storage");
        long[] size = t.size(), stride = t.stride();
        if (size.length != stride.length) throw new WeightsException(what + " has mismatched size and stride");
        long elements = WeightsLimits.checkedElements(what, size, WeightsLimits.MAX_DIMENSION);
        long extent = elements == 0 ? 0 : 1;
        for (int d = 0; d < size.length && elements > 0; d++) {
            if (stride[d] < 0) throw new WeightsException(what + " has a negative stride");
            if (stride[d] > s.numel()) throw new WeightsException(what + " has a stride of " + stride[d] + " in a storage of " + s.numel() + " values");
            extent += (size[d] - 1) * stride[d]; // at most 8 · 4096 · 2^30: no overflow
        }
        if (t.offset() < 0 || t.offset() > s.numel() || s.viewOffset() + t.offset() + extent > s.numel())
            throw new WeightsException(what + " reaches past its storage (" + s.numel() + " elements)");
        if (elements > s.numel())
            throw new WeightsException(what + " shows " + elements + " values of a storage of " + s.numel()
                    + " (a view that repeats stored values, stride 0, is no trained weight)");
        if (extent > WeightsLimits.MAX_TENSOR_ELEMENTS)
            throw new WeightsException(what + " spans " + extent + " values of its storage to gather " + elements
                    + "; no VGG layer spans over " + WeightsLimits.MAX_TENSOR_ELEMENTS);
        long first = s.viewOffset() + t.offset();
        int[] shape = t.shape();
        final long ext = extent;
        return new SourceTensor() {
            @Override public int[] shape() { return shape; }

            @Override public float[] read() throws IOException {
                float[] raw = storages.read(s, first, (int) ext);
                if (isContiguous(size, stride) && raw.length == t.elements()) return raw;
                float[] out = new float[(int) t.elements()];
                gather(raw, size, stride, out);
                return out;
            }
        };
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expect = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expect) return false;
            expect *= size[d];
        }
        return true;
    }

    /** out (row-major over size) := raw[Σ idx_d · stride_d]. */
    private static void gather(float[] raw, long[] size, long[] stride, float[] out) {
        int rank = size.length;
        long[] idx = new long[rank];
        for (int o = 0; o < out.length; o++) {
            long src = 0;
            for (int d = 0; d < rank; d++) src += idx[d] * stride[d];
            out[o] = raw[(int) src];
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) break;
                idx[d] = 0;
            }
        }
    }

    // ------------------------------------------------------------------ persistent ids

    /** Resolves ('storage', StorageType, key, location, numel[, view_metadata]) to a {@link StorageRef}. */
    private static Object storagePid(Path path, Object pid, Map<String, StorageRef> seen) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0)))
            throw new WeightsException(path + ": refused persistent id (not a storage reference)");
        if (!(t.get(1) instanceof Global g) || !SafeUnpickler.STORAGE_TYPES.containsKey(g.toString()))
            throw new WeightsException(path + ": refused persistent id with storage type " + SafeUnpickler.describe(t.get(1)));
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel))
            throw new WeightsException(path + ": malformed storage reference");
        if (numel < 0 || numel > WeightsLimits.MAX_STORAGE_ELEMENTS)
            throw new WeightsException(path + ": storage " + SafeUnpickler.describe(key) + " declares " + numel + " elements; a VGG file's largest has 103 M (limit "
                    + WeightsLimits.MAX_STORAGE_ELEMENTS + ")");
        String dtype = SafeUnpickler.STORAGE_TYPES.get(g.toString());
        long viewOffset = 0;
        if (t.size() > 5 && t.get(5) instanceof Tuple view && view.size() == 3 && view.get(1) instanceof Long off) {
            if (off < 0 || off > numel) throw new WeightsException(path + ": storage view offset " + off + " outside its storage of " + numel + " elements");
            viewOffset = off;
        }
        StorageRef root = new StorageRef(key, dtype, numel, 0);
        StorageRef prev = seen.putIfAbsent(key, root);
        if (prev != null && !prev.dtype().equals(dtype))
            throw new WeightsException(path + ": storage " + key + " is referenced with two dtypes");
        return viewOffset == 0 ? root : new StorageRef(key, dtype, numel, viewOffset);
    }

    static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            default -> 1;
        };
    }

    /** Decodes {@code count} elements of a float dtype. */
    static float[] decode(ByteBuffer b, String dtype, int count, String what) {
        float[] out = new float[count];
        switch (dtype) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F64" -> { for (int i = 0; i < count; i++) out[i] = (float) b.getDouble(i * 8); }
            case "F16" -> { for (int i = 0; i < count; i++) out[i] = Float.float16ToFloat(b.getShort(i * 2)); }
            case "BF16" -> { for (int i = 0; i < count; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); }
            default -> throw new WeightsException(what + " has integer dtype " + dtype + ", not floating point weights");
        }
        return out;
    }

    // ------------------------------------------------------------------ legacy container

    private static final class LegacyStorages implements Storages {
        final FileChannel ch;
        final Path path;
        final Map<Object, Object> root;
        final Map<String, Long> dataOffset = new HashMap<>();
        final ByteOrder order;

        private LegacyStorages(Path path, FileChannel ch, Map<Object, Object> root, ByteOrder order) {
            this.path = path;
            this.ch = ch;
            this.root = root;
            this.order = order;
        }

        @SuppressWarnings("unchecked")
        static LegacyStorages open(Path path) throws IOException {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            try {
                InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
                SafeUnpickler header = new SafeUnpickler(in, path.toString(), null);
                Object magic = header.load();
                if (!(magic instanceof BigInteger bi && bi.equals(MAGIC)))
                    throw new WeightsException(path + ": a Python pickle, but not a PyTorch file (no PyTorch magic number)");
                Object proto = header.load();
                if (!(proto instanceof Long p && p == LEGACY_PROTOCOL))
                    throw new WeightsException(path + ": PyTorch legacy file with unsupported protocol version " + SafeUnpickler.describe(proto));
                Object sysInfo = header.load();
                ByteOrder order = ByteOrder.LITTLE_ENDIAN;
                if (sysInfo instanceof Map<?, ?> si && Boolean.FALSE.equals(si.get("little_endian"))) order = ByteOrder.BIG_ENDIAN;
                Map<String, StorageRef> seen = new HashMap<>();
                SafeUnpickler body = new SafeUnpickler(in, path.toString(), pid -> storagePid(path, pid, seen));
                Object rootObj = body.load();
                if (!(rootObj instanceof Map<?, ?>))
                    throw new WeightsException(path + ": the pickle holds " + (rootObj == null ? "None" : rootObj.getClass().getSimpleName())
                            + ", not a state dict (a whole pickled model cannot be read safely: save model.state_dict() instead)");
                Object keys = header.load();
                if (!(keys instanceof List<?> keyList)) throw new WeightsException(path + ": malformed legacy file (no storage key list)");
                long pos = header.position() + body.position();
                long size = ch.size();
                LegacyStorages s = new LegacyStorages(path, ch, (Map<Object, Object>) rootObj, order);
                ByteBuffer count = ByteBuffer.allocate(8).order(order);
                for (Object k : keyList) {
                    String key = String.valueOf(k);
                    StorageRef ref = seen.get(key);
                    if (ref == null) throw new WeightsException(path + ": storage " + key + " is listed but never used");
                    if (pos + 8 > size) throw truncated(path, key, pos + 8, size);
                    count.clear();
                    readFully(ch, count, pos);
                    long n = count.getLong(0);
                    if (n != ref.numel()) throw new WeightsException(path + ": storage " + key + " holds " + n + " elements, its reference says " + ref.numel());
                    s.dataOffset.put(key, pos + 8);
                    pos += 8 + n * elementSize(ref.dtype());
                    if (pos > size) throw truncated(path, key, pos, size);
                }
                return s;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        private static WeightsException truncated(Path path, String key, long need, long size) {
            return new WeightsException(path + ": truncated file: storage " + key + " needs bytes up to " + need + ", the file has " + size);
        }

        @Override
        public float[] read(StorageRef s, long first, int count) throws IOException {
            Long off = dataOffset.get(s.key());
            if (off == null) throw new WeightsException(path + ": storage " + s.key() + " has no data in the file");
            int es = elementSize(s.dtype());
            ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(count, es)).order(order);
            readFully(ch, b, off + first * es);
            b.flip();
            return decode(b, s.dtype(), count, path + ": storage " + s.key());
        }

        @Override
        public void close() throws IOException { ch.close(); }
    }

    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new EOFException("ends at byte " + pos);
            pos += r;
        }
    }

    // ------------------------------------------------------------------ tar container (torch < 0.1.10)

    /**
     * The tar archive torch.save wrote before 0.1.10 (torchvision's first model files): entry {@code storages}
     * (a pickled count, then per storage a pickled (key, location, storage type), an 8-byte element count and
     * the raw bytes, then a pickled list of storage views), entry {@code tensors} (a pickled count, then per
     * tensor a pickled (key, storage key, tensor type) and its metadata: ndim as 8 bytes, sizes, strides,
     * storage offset, little-endian int64) and entry {@code pickle}, the state dict with tensors as persistent
     * ids (their keys). Every count and size is checked against the limits and the entry's length before use.
     */
    private static final class TarStorages implements Storages {
        final FileChannel ch;
        final Path path;
        final Map<Object, Object> root;
        final Map<String, Long> dataOffset = new HashMap<>();

        private TarStorages(Path path, FileChannel ch, Map<Object, Object> root) {
            this.path = path;
            this.ch = ch;
            this.root = root;
        }

        /** Tar entries: name → {data offset, size}. */
        private static Map<String, long[]> entries(Path path, FileChannel ch) throws IOException {
            Map<String, long[]> out = new HashMap<>();
            long size = ch.size(), pos = 0;
            ByteBuffer h = ByteBuffer.allocate(512);
            for (int n = 0; pos + 512 <= size; n++) {
                if (n > 64) throw new WeightsException(path + ": a tar archive of over 64 entries; a PyTorch tar file has 3 or 4");
                h.clear();
                readFully(ch, h, pos);
                byte[] b = h.array();
                boolean zero = true;
                for (byte x : b) if (x != 0) { zero = false; break; }
                if (zero) break;
                int nameEnd = 0;
                while (nameEnd < 100 && b[nameEnd] != 0) nameEnd++;
                String name = new String(b, 0, nameEnd, StandardCharsets.US_ASCII);
                String sz = new String(b, 124, 12, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
                if (!sz.matches("[0-7]{1,11}")) throw new WeightsException(path + ": malformed tar header (size field '" + sz + "')");
                long len = Long.parseLong(sz, 8);
                if (len > size - pos - 512) throw new WeightsException(path + ": truncated tar archive: entry " + name + " needs " + len + " bytes");
                byte type = b[156];
                if (type == '0' || type == 0) out.put(name, new long[] {pos + 512, len});
                pos += 512 + ((len + 511) / 512) * 512;
            }
            for (String need : List.of("storages", "tensors", "pickle"))
                if (!out.containsKey(need)) throw new WeightsException(path + ": a tar archive without the entry '" + need + "'; not a PyTorch tar file");
            return out;
        }

        @SuppressWarnings("unchecked")
        static TarStorages open(Path path) throws IOException {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            try {
                Map<String, long[]> e = entries(path, ch);
                String where = path.toString();
                // storages
                long[] se = e.get("storages");
                ChannelStream in = new ChannelStream(ch, se[0], se[0] + se[1]);
                long n = count(path, new SafeUnpickler(in, where, null).load(), "storages");
                Map<String, StorageRef> storages = new HashMap<>();
                Map<String, Long> offsets = new HashMap<>();
                ByteBuffer eight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n; i++) {
                    Object o = new SafeUnpickler(in, where, null).load();
                    if (!(o instanceof Tuple t) || t.size() != 3 || !(t.get(2) instanceof Global g) || !SafeUnpickler.STORAGE_TYPES.containsKey(g.toString()))
                        throw new WeightsException(path + ": malformed storage record in the tar container (" + SafeUnpickler.describe(o) + ")");
                    String key = String.valueOf(t.get(0)), dtype = SafeUnpickler.STORAGE_TYPES.get(g.toString());
                    eight.clear();
                    in.readFully(eight.array());
                    long numel = eight.getLong(0);
                    if (numel < 0 || numel > WeightsLimits.MAX_STORAGE_ELEMENTS)
                        throw new WeightsException(path + ": storage " + key + " declares " + numel + " elements (limit " + WeightsLimits.MAX_STORAGE_ELEMENTS + ")");
                    long bytes = numel * elementSize(dtype);
                    if (in.position() + bytes > se[0] + se[1]) throw new WeightsException(path + ": truncated file: storage " + key + " reaches past its tar entry");
                    if (storages.put(key, new StorageRef(key, dtype, numel, 0)) != null) throw new WeightsException(path + ": storage " + key + " occurs twice");
                    offsets.put(key, in.position());
                    in.seek(in.position() + bytes);
                }
                Object views = new SafeUnpickler(in, where, null).load();
                if (!(views instanceof List<?> vl)) throw new WeightsException(path + ": malformed storage view list in the tar container");
                for (Object v : vl) {
                    if (!(v instanceof Tuple t) || t.size() != 4 || !(t.get(2) instanceof Long off) || !(t.get(3) instanceof Long len))
                        throw new WeightsException(path + ": malformed storage view " + SafeUnpickler.describe(v));
                    StorageRef r = storages.get(String.valueOf(t.get(1)));
                    if (r == null || off < 0 || len < 0 || off + len > r.numel())
                        throw new WeightsException(path + ": storage view " + SafeUnpickler.describe(t.get(0)) + " lies outside its storage");
                    storages.put(String.valueOf(t.get(0)), new StorageRef(r.key(), r.dtype(), r.numel(), off));
                }
                // tensors
                long[] te = e.get("tensors");
                in = new ChannelStream(ch, te[0], te[0] + te[1]);
                long nt = count(path, new SafeUnpickler(in, where, null).load(), "tensors");
                Map<String, TensorRef> tensors = new HashMap<>();
                for (long i = 0; i < nt; i++) {
                    Object o = new SafeUnpickler(in, where, null).load();
                    if (!(o instanceof Tuple t) || t.size() != 3)
                        throw new WeightsException(path + ": malformed tensor record in the tar container (" + SafeUnpickler.describe(o) + ")");
                    StorageRef s = storages.get(String.valueOf(t.get(1)));
                    if (s == null) throw new WeightsException(path + ": tensor " + SafeUnpickler.describe(t.get(0)) + " names an unknown storage");
                    eight.clear();
                    in.readFully(eight.array());
                    long ndim = eight.getInt(0) & 0xffffffffL;
                    if (ndim > WeightsLimits.MAX_RANK) throw new WeightsException(path + ": a tensor of " + ndim + " dimensions (limit " + WeightsLimits.MAX_RANK + ")");
                    long[] size = new long[(int) ndim], stride = new long[(int) ndim];
                    for (int d = 0; d < ndim; d++) size[d] = in.readLong(eight);
                    for (int d = 0; d < ndim; d++) stride[d] = in.readLong(eight);
                    long offset = in.readLong(eight);
                    for (long d : size) if (d < 0 || d > WeightsLimits.MAX_STORAGE_ELEMENTS) throw new WeightsException(path + ": a tensor dimension of " + d);
                    tensors.put(String.valueOf(t.get(0)), new TensorRef(s, offset, size, stride));
                }
                // the state dict
                long[] pe = e.get("pickle");
                in = new ChannelStream(ch, pe[0], pe[0] + pe[1]);
                Object rootObj = new SafeUnpickler(in, where, pid -> {
                    if (!(pid instanceof String || pid instanceof Long)) throw new WeightsException(path + ": refused persistent id " + SafeUnpickler.describe(pid)
                            + " (a pickled module or other object; save model.state_dict() instead)");
                    TensorRef t = tensors.get(String.valueOf(pid));
                    if (t == null) throw new WeightsException(path + ": the state dict names tensor " + SafeUnpickler.describe(pid) + ", which the file lacks");
                    return t;
                }).load();
                if (!(rootObj instanceof Map<?, ?>))
                    throw new WeightsException(path + ": the pickle holds " + (rootObj == null ? "None" : rootObj.getClass().getSimpleName()) + ", not a state dict");
                TarStorages ts = new TarStorages(path, ch, (Map<Object, Object>) rootObj);
                ts.dataOffset.putAll(offsets);
                return ts;
            } catch (IOException | RuntimeException ex) {
                ch.close();
                throw ex;
            }
        }

        private static long count(Path path, Object o, String what) {
            if (!(o instanceof Long n) || n < 0 || n > WeightsLimits.MAX_CONTAINERS)
                throw new WeightsException(path + ": implausible number of " + what + " in the tar container (" + SafeUnpickler.describe(o) + ")");
            return n;
        }

        @Override
        public float[] read(StorageRef s, long first, int count) throws IOException {
            Long off = dataOffset.get(s.key());
            if (off == null) throw new WeightsException(path + ": storage " + s.key() + " has no data in the file");
            int es = elementSize(s.dtype());
            ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(count, es)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, off + first * es);
            b.flip();
            return decode(b, s.dtype(), count, path + ": storage " + s.key());
        }

        @Override
        public void close() throws IOException { ch.close(); }
    }

    /** A buffered stream over [start, end) of a file that knows its position and can seek (pickles, then raw bytes skipped). */
    static final class ChannelStream extends InputStream {
        private final FileChannel ch;
        private final long end;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        private long bufStart;

        ChannelStream(FileChannel ch, long start, long end) {
            this.ch = ch;
            this.end = end;
            this.bufStart = start;
            buf.limit(0);
        }

        long position() { return bufStart + buf.position(); }

        void seek(long p) {
            if (p >= bufStart && p <= bufStart + buf.limit()) buf.position((int) (p - bufStart));
            else { bufStart = p; buf.limit(0); }
        }

        @Override
        public int read() throws IOException {
            if (!buf.hasRemaining() && !fill()) return -1;
            return buf.get() & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!buf.hasRemaining() && !fill()) return -1;
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        private boolean fill() throws IOException {
            long p = position();
            if (p >= end) return false;
            bufStart = p;
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), end - p));
            while (buf.hasRemaining()) if (ch.read(buf, bufStart + buf.position()) < 0) break;
            buf.flip();
            return buf.hasRemaining();
        }

        void readFully(byte[] b) throws IOException {
            if (readNBytes(b, 0, b.length) < b.length) throw new EOFException("a tar entry ends early");
        }

        long readLong(ByteBuffer eight) throws IOException {
            eight.clear();
            readFully(eight.array());
            return eight.getLong(0);
        }
    }

    // ------------------------------------------------------------------ zip container

    private static final class ZipStorages implements Storages {
        final ZipFile zip;
        final Path path;
        final String prefix;
        final ByteOrder order;
        final Map<Object, Object> root;

        private ZipStorages(Path path, ZipFile zip, String prefix, ByteOrder order, Map<Object, Object> root) {
            this.path = path;
            this.zip = zip;
            this.prefix = prefix;
            this.order = order;
            this.root = root;
        }

        @SuppressWarnings("unchecked")
        static ZipStorages open(Path path) throws IOException {
            ZipFile zip;
            try {
                zip = new ZipFile(path.toFile());
            } catch (ZipException e) {
                throw new WeightsException(path + ": truncated or corrupt zip archive (" + e.getMessage() + ")");
            }
            try {
                ZipEntry pkl = null;
                for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                    ZipEntry e = en.nextElement();
                    if (e.getName().endsWith("data.pkl") && (pkl == null || e.getName().length() < pkl.getName().length())) pkl = e;
                }
                if (pkl == null) {
                    boolean keras = zip.getEntry("model.weights.h5") != null;
                    throw new WeightsException(path + ": a zip archive, but not a PyTorch file (no data.pkl)"
                            + (keras ? "; it is a Keras 3 .keras archive: unzip it and convert model.weights.h5" : ""));
                }
                String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
                ByteOrder order = ByteOrder.LITTLE_ENDIAN;
                ZipEntry bo = zip.getEntry(prefix + "byteorder");
                if (bo != null) {
                    try (InputStream in = zip.getInputStream(bo)) {
                        if (new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim().equals("big")) order = ByteOrder.BIG_ENDIAN;
                    }
                }
                Map<String, StorageRef> seen = new HashMap<>();
                Object rootObj;
                if (pkl.getSize() > WeightsLimits.MAX_PICKLE_BYTES)
                    throw new WeightsException(path + ": " + pkl.getName() + " declares " + pkl.getSize() + " bytes; a state dict's pickle has a few KB");
                try (InputStream in = new BufferedInputStream(zip.getInputStream(pkl))) {
                    rootObj = new SafeUnpickler(in, path.toString(), pid -> storagePid(path, pid, seen)).load();
                }
                if (!(rootObj instanceof Map<?, ?>))
                    throw new WeightsException(path + ": the pickle holds " + (rootObj == null ? "None" : rootObj.getClass().getSimpleName())
                            + ", not a state dict (save model.state_dict() instead of the model)");
                long total = 0;
                for (StorageRef s : seen.values()) {
                    ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
                    if (e == null) throw new WeightsException(path + ": truncated archive: no data for storage " + s.key());
                    long need = s.numel() * elementSize(s.dtype());
                    total += need;
                    if (total > WeightsLimits.MAX_INFLATED_BYTES) // before inflating anything: a deflate bomb stops here
                        throw new WeightsException(path + ": its storages hold over " + WeightsLimits.MAX_INFLATED_BYTES
                                + " bytes once inflated; a VGG file holds at most 548 MiB");
                    if (e.getSize() >= 0 && e.getSize() < need)
                        throw new WeightsException(path + ": truncated archive: storage " + s.key() + " has " + e.getSize() + " bytes, needs " + need);
                }
                return new ZipStorages(path, zip, prefix, order, (Map<Object, Object>) rootObj);
            } catch (IOException | RuntimeException e) {
                zip.close();
                throw e;
            }
        }

        @Override
        public float[] read(StorageRef s, long first, int count) throws IOException {
            int es = elementSize(s.dtype());
            ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
            byte[] bytes;
            try (InputStream in = zip.getInputStream(e)) {
                in.skipNBytes(first * es);
                bytes = in.readNBytes(Math.multiplyExact(count, es));
            }
            if (bytes.length < count * es) throw new EOFException("storage " + s.key() + " is short");
            return decode(ByteBuffer.wrap(bytes).order(order), s.dtype(), count, path + ": storage " + s.key());
        }

        @Override
        public void close() throws IOException { zip.close(); }
    }
}
