package nst.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * nst batch on Spark, for embedding in a Spark job of one's own:
 * <pre>{@code
 * NstSparkBatch batch = new NstSparkBatch(List.of("--size", "512", "--weights", "hdfs://nn/w/vgg19.safetensors"), false);
 * List<SparkJob> jobs = Jobs.manifest("hdfs://nn/in/jobs.csv", "hdfs://nn/out", Jobs.DEFAULT_PATTERN, sc.hadoopConfiguration());
 * List<JobResult> results = batch.run(sc, jobs);                      // or batch.rdd(sc, jobs), lazily
 * NstSparkBatch.writeManifest("hdfs://nn/out", results, sc.hadoopConfiguration());
 * }</pre>
 * One job per Spark task (a retry or a speculative copy redoes one picture), each with {@code spark.task.cpus} nst
 * threads, on the executor's shared weights and backends. The options are those of {@code nst stylize} as nst batch
 * takes them, except --threads (spark.task.cpus), --mask, --init-image and --save-every; they are checked here, on
 * the driver, before any task starts.
 */
public final class NstSparkBatch {
    private final List<String> options;
    private final boolean force;

    /**
     * @param options stylize options for every job ({@code --size 512 --iterations 300 ...})
     * @param force   redo outputs that exist with the same recorded options (they are skipped otherwise)
     */
    public NstSparkBatch(List<String> options, boolean force) {
        this.options = List.copyOf(options);
        this.force = force;
    }

    /** The jobs as a lazy RDD of their results, one partition per job. Checks every job's options first. */
    public JavaRDD<JobResult> rdd(JavaSparkContext sc, List<SparkJob> jobs) {
        Set<String> checked = new LinkedHashSet<>();
        for (SparkJob j : jobs) if (checked.add(j.options())) StylizeTask.recipe(options, j, 0);
        return sc.parallelize(jobs, Math.max(1, jobs.size())).map(new StylizeTask(options, force, hadoopSettings(sc.getConf())));
    }

    /** Runs the jobs and returns their results in job order; temporary files of killed attempts are removed after. */
    public List<JobResult> run(JavaSparkContext sc, List<SparkJob> jobs) {
        List<JobResult> results = rdd(sc, jobs).collect();
        try {
            Set<String> dirs = new LinkedHashSet<>();
            for (SparkJob j : jobs) dirs.add(new Path(j.output()).getParent().toString());
            for (String d : dirs) HadoopFiles.removeTemporaries(d, sc.hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return results;
    }

    /** The spark.hadoop.* settings, which executors apply to their Hadoop configuration (S3 keys, HDFS addresses). */
    static Map<String, String> hadoopSettings(SparkConf conf) {
        Map<String, String> m = new HashMap<>();
        for (Tuple2<String, String> t : conf.getAllWithPrefix("spark.hadoop.")) m.put(t._1(), t._2());
        return m;
    }

    /**
     * Writes {@code manifest.jsonl} in {@code outDir} (through a temporary name and a rename): one JSON object per job,
     * with nst batch's keys (content, style, output, status, seconds, loss, reason) plus the task attempt.
     */
    public static void writeManifest(String outDir, List<JobResult> results, Configuration conf) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder text = new StringBuilder();
        for (JobResult r : results) {
            ObjectNode n = json.createObjectNode();
            n.put("content", r.job().content());
            n.put("style", r.job().style());
            n.put("output", r.job().output());
            n.put("status", r.status());
            n.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
            if (r.loss() != null) n.put("loss", r.loss());
            if (r.reason() != null) n.put("reason", r.reason());
            n.put("attempt", r.attempt());
            text.append(json.writeValueAsString(n)).append('\n');
        }
        String file = new Path(new Path(HadoopFiles.qualify(outDir, conf)), nst.engine.batch.Manifest.FILE_NAME).toString();
        HadoopFiles.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8), "driver-" + ProcessHandle.current().pid(), conf);
    }

    /** Releases this JVM's cached backends and weights (a local-mode driver is its own executor). */
    public static void releaseExecutorResources() { ExecutorCache.closeAll(); }
}
