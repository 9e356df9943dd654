package nst.spark;

import nst.app.BatchRecipe;
import nst.engine.NstException;
import nst.engine.batch.Batch;
import nst.engine.batch.BatchJob;
import nst.engine.batch.Outcome;
import nst.engine.image.Image;
import nst.engine.image.Images;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * nst-spark on an embedded local Spark (2 task threads; "local[2,4]" so that a failed task is retried, which plain
 * local[2] never does): the files of 6 jobs at 64 px are byte for byte those of nst batch's Java API for the same jobs,
 * also when a task dies mid-run on its first attempt; a rerun skips everything, over Spark's outputs and over nst
 * batch's.
 */
class SparkBatchTest {
    /** The options of every job: random weights, few iterations, shallow layers (fast), the SIMD backend (1 thread: spark.task.cpus = 1). */
    static final List<String> OPTIONS = List.of("--size", "64", "--weights", "random", "--iterations", "2", "--backend", "simd",
            "--style-layers", "relu1_1,relu2_1", "--content-layers", "relu2_2", "--quiet");

    @TempDir static Path dir;
    static JavaSparkContext sc;
    static Path manifest, reference;

    @BeforeAll
    static void start() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        List<String> lines = new ArrayList<>();
        List<BatchJob> jobs = new ArrayList<>();
        reference = dir.resolve("nst-batch");
        for (int c = 0; c < 3; c++) Images.writePng(picture(80 + 8 * c, 64, c), in.resolve("c" + c + ".png"), null);
        for (int s = 0; s < 2; s++) Images.writePng(picture(64, 72, 10 + s), in.resolve("s" + s + ".png"), null);
        for (int c = 0; c < 3; c++) {
            for (int s = 0; s < 2; s++) {
                lines.add("{\"content\":\"c" + c + ".png\",\"style\":\"s" + s + ".png\"}");       // relative to the manifest
                jobs.add(new BatchJob(in.resolve("c" + c + ".png"), in.resolve("s" + s + ".png"), reference.resolve("c" + c + "_s" + s + ".png")));
            }
        }
        manifest = in.resolve("jobs.jsonl");
        Files.write(manifest, lines);
        // nst batch's Java API with the threads a Spark task has (spark.task.cpus = 1): what BatchCommand runs.
        List<String> args = new ArrayList<>(OPTIONS);
        args.addAll(List.of("--threads", "1"));
        Files.createDirectories(reference);
        List<Outcome> outcomes = new Batch(BatchRecipe.parse(args, java.util.Set.of()).forBatch(), false, null).run(jobs, null, null);
        assertTrue(outcomes.stream().allMatch(o -> o.status() == Outcome.Status.DONE), outcomes.toString());

        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("nst-spark-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.close();
        NstSparkBatch.releaseExecutorResources();
    }

    static Image picture(int w, int h, long seed) {
        float[] rgb = new float[3 * w * h];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < rgb.length; i++) rgb[i] = (float) (0.5 + 0.4 * Math.sin(i * 0.01 * (seed + 1)) * r.nextFloat());
        return new Image(w, h, rgb);
    }

    List<JobResult> spark(Path out, boolean force) throws Exception {
        Configuration conf = sc.hadoopConfiguration();
        List<SparkJob> jobs = Jobs.manifest(manifest.toString(), out.toString(), Jobs.DEFAULT_PATTERN, conf);
        List<JobResult> results = new NstSparkBatch(OPTIONS, force).run(sc, jobs);
        NstSparkBatch.writeManifest(out.toString(), results, conf);
        return results;
    }

    /** Every file of a folder but the manifest, name to bytes. */
    static Map<String, byte[]> files(Path d) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) if (!p.getFileName().toString().equals("manifest.jsonl")) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    static void assertSameFiles(Path expected, Path actual) throws Exception {
        Map<String, byte[]> e = files(expected), a = files(actual);
        assertEquals(e.keySet(), a.keySet());
        assertEquals(6, a.size());
        for (String k : e.keySet()) assertArrayEquals(e.get(k), a.get(k), k + " differs from nst batch's");
    }

    static List<String> statuses(List<JobResult> results) { return results.stream().map(JobResult::status).toList(); }

    @Test
    void sixJobsGiveNstBatchsFilesByteForByteAndARerunSkipsThemAll() throws Exception {
        Path out = dir.resolve("spark");
        List<JobResult> first = spark(out, false);
        assertEquals(List.of("done", "done", "done", "done", "done", "done"), statuses(first), first.toString());
        assertSameFiles(reference, out);
        String written = Files.readString(out.resolve("manifest.jsonl"), StandardCharsets.UTF_8);
        assertEquals(6, written.lines().filter(l -> l.contains("\"status\":\"done\"")).count(), written);

        long[] modified = mtimes(out);
        List<JobResult> again = spark(out, false);
        assertEquals(List.of("skipped", "skipped", "skipped", "skipped", "skipped", "skipped"), statuses(again));
        assertSameFiles(reference, out);
        assertArrayEquals(modified, mtimes(out), "a skipped output is not written again");
    }

    static long[] mtimes(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> !p.getFileName().toString().equals("manifest.jsonl")).mapToLong(p -> p.toFile().lastModified()).sorted().toArray();
        }
    }

    @Test
    void aRerunOverNstBatchsOutputsSkipsThemByTheSameRule() throws Exception {
        Path copy = Files.createDirectories(dir.resolve("copy-of-nst-batch"));
        for (var e : files(reference).entrySet()) Files.write(copy.resolve(e.getKey()), e.getValue());
        List<JobResult> r = spark(copy, false);
        assertEquals(List.of("skipped", "skipped", "skipped", "skipped", "skipped", "skipped"), statuses(r));
    }

    @Test
    void aTaskKilledMidRunIsRetriedAndTheFilesAreStillNstBatchs() throws Exception {
        Path out = dir.resolve("spark-retried");
        sc.setLocalProperty(StylizeTask.FAIL_FIRST_ATTEMPT, "3");
        List<JobResult> r;
        try {
            r = spark(out, false);
        } finally {
            sc.setLocalProperty(StylizeTask.FAIL_FIRST_ATTEMPT, null);
        }
        assertEquals(List.of("done", "done", "done", "done", "done", "done"), statuses(r), r.toString());
        assertEquals(1, r.get(3).attempt(), "partition 3 ran twice");
        assertEquals(0, r.get(2).attempt());
        assertSameFiles(reference, out);                       // also: no temporary file of the killed attempt is left
    }

    @Test
    void optionsASparkTaskCannotHonourAreRefusedOnTheDriver() {
        SparkJob job = new SparkJob("file:/a.png", "file:/b.png", "file:/o/a_b.png", "");
        var e = assertThrows(NstException.class, () -> new NstSparkBatch(List.of("--threads", "4"), false).rdd(sc, List.of(job)));
        assertTrue(e.getMessage().contains("spark.task.cpus"), e.getMessage());
        var m = assertThrows(NstException.class, () -> new NstSparkBatch(List.of("--mask", "m.png"), false).rdd(sc, List.of(job)));
        assertTrue(m.getMessage().contains("--mask"), m.getMessage());
        var perJob = new SparkJob("file:/a.png", "file:/b.png", "file:/o/a_b.png", "--no-such-option 1");
        var p = assertThrows(NstException.class, () -> new NstSparkBatch(List.of(), false).rdd(sc, List.of(perJob)));
        assertTrue(p.getMessage().contains("--no-such-option"), p.getMessage());
    }

    @Test
    void aMissingInputIsAFailedJobWithItsReasonNotAFailedBatch() throws Exception {
        Path out = dir.resolve("spark-missing");
        String in = manifest.getParent().toUri().toString();
        List<JobResult> r = new NstSparkBatch(OPTIONS, false).run(sc, List.of(
                new SparkJob(in + "nowhere.png", in + "s0.png", out.toUri() + "nowhere_s0.png", "")));
        assertEquals("failed", r.get(0).status());
        assertTrue(r.get(0).reason().contains("nowhere.png"), r.get(0).reason());
        assertFalse(Files.exists(out.resolve("nowhere_s0.png")));
    }
}
