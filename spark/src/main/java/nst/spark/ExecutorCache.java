package nst.spark;

import nst.engine.BackendChoice;
import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.TransferOption;
import nst.engine.WeightsLookup;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.DeviceException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What the tasks of one executor JVM share: the weights, loaded once per file content (keyed by the file's path and
 * its SHA-256, or by model and seed for random weights), and idle backends (one per task running at a time, each
 * reused by the next task with the same backend and thread count). Leaves out eviction: an executor serves one
 * batch, whose weights it keeps until it exits.
 *
 * <p>Where a weights file comes from, in order: a local file at that path (a shared path: NFS, or the same file on
 * every node); a Hadoop path with a scheme ({@code hdfs://}, {@code s3a://}), copied once per JVM to a local file; a
 * file shipped with {@code spark-submit --files} of that name ({@link SparkFiles}).
 */
final class ExecutorCache {
    private static final Map<String, VggWeights> WEIGHTS = new ConcurrentHashMap<>();
    private static final Map<String, String> DIGESTS = new ConcurrentHashMap<>();
    private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();
    private static final Map<String, Deque<Backend>> IDLE = new HashMap<>();
    /** How many times this JVM read a weights file (tests check that a batch reads it once). */
    static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    private ExecutorCache() {}

    /** The weights the options ask for, loaded at most once per content in this JVM. */
    static VggWeights weights(StyleOptions o, Configuration conf, Consumer<String> notices) throws IOException {
        if (o.weightsData() instanceof VggWeights given) return given;
        String model = o.model();
        if (o.weightsData() != null || !(model.equals("vgg16") || model.equals("vgg19")))
            throw new NstException("nst-spark runs the VGG models only (vgg16, vgg19), not " + (o.weightsData() != null ? o.weightsData().arch() : model));
        Path file = switch (WeightsLookup.Kind.of(o.weights())) {
            case RANDOM -> null;
            case FILE -> locate(o.weights(), conf);
            case AUTO -> {
                Path p = WeightsLookup.defaultFile(model);
                if (Files.isRegularFile(p)) yield p;
                yield null;
            }
        };
        if (file == null) {
            if (WeightsLookup.Kind.of(o.weights()) == WeightsLookup.Kind.AUTO && notices != null)
                notices.accept("no pretrained " + model + " weights at " + WeightsLookup.defaultFile(model) + " on this executor:"
                        + " using seeded random weights");
            // The random weights WeightsLookup.resolve makes for "random" and for "auto" without a file.
            return WEIGHTS.computeIfAbsent("random:" + model + ":" + o.seed(),
                    k -> VggWeights.random(VggSpec.of(model), o.seed(), Preprocess.TORCHVISION));
        }
        String key = file.toAbsolutePath() + "@" + digest(file) + ":" + model;
        return WEIGHTS.computeIfAbsent(key, k -> {
            LOADS.incrementAndGet();
            VggWeights w = VggWeights.load(file);
            if (!w.spec().arch().equals(model))
                throw new NstException(file + " holds " + w.spec().arch() + " weights, but --model is " + model);
            return w;
        });
    }

    /** The local file for a --weights path (see the class comment for the order). */
    static Path locate(String weights, Configuration conf) throws IOException {
        Path local = Path.of(weights);
        if (Files.isRegularFile(local)) return local;
        org.apache.hadoop.fs.Path h = new org.apache.hadoop.fs.Path(weights);
        String scheme = h.toUri().getScheme();
        if ("file".equals(scheme) && Files.isRegularFile(Path.of(h.toUri().getPath()))) return Path.of(h.toUri().getPath());
        if (scheme != null && !scheme.equals("file")) return copy(h, conf);
        String shipped = shipped(local.getFileName().toString());
        if (shipped != null) return Path.of(shipped);
        throw new NstException("--weights: " + weights + ": no such file on this executor, and none of that name shipped with --files");
    }

    /** The file of that name shipped with --files, or null (also outside a Spark executor). */
    private static String shipped(String name) {
        try {
            String p = SparkFiles.get(name);
            return p != null && Files.isRegularFile(Path.of(p)) ? p : null;
        } catch (RuntimeException e) {                             // no SparkEnv: not inside Spark
            return null;
        }
    }

    /** A remote weights file copied once per JVM to a local temporary file (deleted when the JVM exits). */
    private static Path copy(org.apache.hadoop.fs.Path remote, Configuration conf) throws IOException {
        FileSystem fs = remote.getFileSystem(conf);
        var st = fs.getFileStatus(remote);
        String key = st.getPath() + "@" + st.getLen() + "@" + st.getModificationTime();
        Path have = COPIES.get(key);
        if (have != null) return have;
        synchronized (COPIES) {
            have = COPIES.get(key);
            if (have != null) return have;
            Path tmp = Files.createTempFile("nst-weights-", ".safetensors");
            tmp.toFile().deleteOnExit();
            try (InputStream in = fs.open(remote)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            COPIES.put(key, tmp);
            return tmp;
        }
    }

    /** The file's SHA-256, computed once per (path, size, modification time). */
    private static String digest(Path file) throws IOException {
        String key = file.toAbsolutePath() + "@" + Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        String d = DIGESTS.get(key);
        if (d != null) return d;
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            d = HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        DIGESTS.put(key, d);
        return d;
    }

    /** An idle backend for the options' backend and thread count, or a new one; give it back with {@link #release}. */
    static Backend borrow(StyleOptions o, Consumer<String> notices) {
        synchronized (IDLE) {
            Deque<Backend> d = IDLE.get(backendKey(o));
            if (d != null && !d.isEmpty()) return d.pop();
        }
        return BackendChoice.create(o, notices);
    }

    /** Returns a backend for the next task; a backend whose device failed is closed instead ({@code broken}). */
    static void release(StyleOptions o, Backend b, boolean broken, Consumer<String> notices) {
        if (broken) {
            close(b, notices);
            return;
        }
        synchronized (IDLE) {
            IDLE.computeIfAbsent(backendKey(o), k -> new ArrayDeque<>()).push(b);
        }
    }

    private static String backendKey(StyleOptions o) {
        return o.backend() + "/" + o.text(TransferOption.THREADS);
    }

    /** Closes every idle backend and forgets the weights (the driver of a local run calls it at the end; tests too). */
    static void closeAll() {
        synchronized (IDLE) {
            for (Deque<Backend> d : IDLE.values()) for (Backend b : d) close(b, s -> {});
            IDLE.clear();
        }
        WEIGHTS.clear();
    }

    private static void close(Backend b, Consumer<String> notices) {
        try {
            b.close();
        } catch (RuntimeException e) {                       // DeviceException too
            notices.accept("releasing backend " + b.name() + " failed: " + e.getMessage());
        }
    }
}
