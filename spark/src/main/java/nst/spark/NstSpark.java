package nst.spark;

import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.TransferOption;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The spark-submit application: {@code nst batch} on a cluster. Jobs from a manifest ({@code --manifest}) or every
 * content in every style ({@code --content}, {@code --style}); outputs and manifest.jsonl in {@code --out-dir}; every
 * other argument is a stylize option for all jobs. Exit 0 when every job was done or skipped, 1 when any failed,
 * 2 for a usage error.
 */
@Command(name = "nst-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stylize a batch on Apache Spark: nst batch's outputs (same files, same skip rule) on any Hadoop file system.",
                "Other arguments are nst stylize options for every job (--size, --iterations, --weights ...)."})
public final class NstSpark implements Callable<Integer> {
    @Option(names = "--manifest", paramLabel = "URI", description = "Jobs: JSON lines or CSV (content, style, [output], [options]).")
    String manifest;

    @Option(names = "--content", arity = "1..*", paramLabel = "URI", description = "Content images: files, folders or globs.")
    List<String> contents = new ArrayList<>();

    @Option(names = "--style", arity = "1..*", paramLabel = "URI", description = "Style images: files, folders or globs.")
    List<String> styles = new ArrayList<>();

    @Option(names = "--out-dir", required = true, paramLabel = "URI", description = "Folder of the outputs and manifest.jsonl.")
    String outDir;

    @Option(names = "--name-pattern", paramLabel = "PATTERN", defaultValue = Jobs.DEFAULT_PATTERN,
            description = "Output name: {content} and {style} are the input names without extension. Default: ${DEFAULT-VALUE}.")
    String namePattern;

    @Option(names = "--force", description = "Redo outputs that exist with the same recorded options.")
    boolean force;

    @Unmatched
    List<String> transferOptions = new ArrayList<>();

    private final PrintStream err = System.err;

    public static void main(String[] args) {
        int code = run(args);
        NstSparkBatch.releaseExecutorResources();
        System.exit(code);
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new NstSpark());
        cl.setUnmatchedOptionsAllowedAsOptionParameters(false);
        cl.setUnmatchedArgumentsAllowed(true);
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            String m = ex instanceof OptionException o ? o.spelled(TransferOption::flag) : ex.getMessage();
            if (ex instanceof NstException || ex instanceof IllegalArgumentException || ex instanceof java.io.IOException) {
                c.getErr().println("nst-spark: error: " + m);
                return ex instanceof NstException && !(ex instanceof OptionException) && m != null && m.startsWith("--") ? 2 : 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if ((manifest == null) == (contents.isEmpty() || styles.isEmpty())) {
            err.println("nst-spark: error: give --manifest, or --content and --style (not both)");
            return 2;
        }
        SparkConf conf = new SparkConf().setAppName("nst-spark");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            var hadoop = sc.hadoopConfiguration();
            List<SparkJob> jobs = manifest != null ? Jobs.manifest(manifest, outDir, namePattern, hadoop)
                    : Jobs.cross(contents, styles, outDir, namePattern, hadoop);
            err.printf("nst-spark: %d jobs, %s threads per task (spark.task.cpus)%n", jobs.size(), sc.getConf().get("spark.task.cpus", "1"));
            List<JobResult> results = new NstSparkBatch(transferOptions, force).run(sc, jobs);
            NstSparkBatch.writeManifest(outDir, results, hadoop);
            long done = results.stream().filter(r -> r.status().equals(JobResult.DONE)).count();
            long skipped = results.stream().filter(r -> r.status().equals(JobResult.SKIPPED)).count();
            long failed = results.size() - done - skipped;
            for (JobResult r : results) if (r.status().equals(JobResult.FAILED)) err.println("nst-spark: " + r.describe());
            err.printf("nst-spark: batch finished: %d done, %d skipped, %d failed; manifest %s/manifest.jsonl%n", done, skipped, failed, outDir);
            return failed > 0 ? 1 : 0;
        }
    }
}
