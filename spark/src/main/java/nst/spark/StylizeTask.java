package nst.spark;

import nst.app.BatchRecipe;
import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.batch.Batch;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.image.Images;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.DeviceException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One job, run inside a Spark task: the rules of nst batch ({@code nst.engine.batch.Batch}) on Hadoop paths. The
 * inputs are read and their options made; an output that records the same options is skipped (unless forced);
 * otherwise the transfer runs on this executor's shared weights and an idle backend, with {@code spark.task.cpus}
 * threads, and the PNG is written through a temporary name and a rename. A bad input or option is a failed
 * {@link JobResult}; a file system failure fails the task (Spark retries it).
 */
final class StylizeTask implements Function<SparkJob, JobResult>, Serializable {
    /** Options that name local files or write beside the output, which a cluster run cannot honour. */
    static final Set<TransferOption> LEFT = EnumSet.of(TransferOption.MASK, TransferOption.INIT_IMAGE, TransferOption.SAVE_EVERY);
    /**
     * The local property (SparkContext.setLocalProperty) a test sets to a partition number: the first attempt of that
     * partition's task fails midway through its transfer, as a killed executor would.
     */
    static final String FAIL_FIRST_ATTEMPT = "nst.spark.test.failFirstAttemptOfPartition";

    private final List<String> common;
    private final boolean force;
    private final Map<String, String> hadoopConf;

    StylizeTask(List<String> common, boolean force, Map<String, String> hadoopConf) {
        this.common = List.copyOf(common);
        this.force = force;
        this.hadoopConf = Map.copyOf(hadoopConf);
    }

    /** The batch's options, then the job's own, then the threads of a task: what a job runs with. */
    static List<String> arguments(List<String> common, SparkJob job, int threads) {
        List<String> a = new ArrayList<>(common);
        a.addAll(BatchRecipe.words(job.options()));
        if (threads > 0) a.addAll(List.of("--threads", Integer.toString(threads)));
        return a;
    }

    /** Parses a job's options as the task will; the driver calls it first so bad options fail before any task. */
    static BatchRecipe recipe(List<String> common, SparkJob job, int threads) {
        BatchRecipe r = BatchRecipe.parse(arguments(common, job, 0), LEFT);
        if (r.given(TransferOption.THREADS))
            throw new NstException("--threads: nst-spark runs spark.task.cpus threads per task; set spark.task.cpus instead");
        return threads > 0 ? BatchRecipe.parse(arguments(common, job, threads), LEFT) : r;
    }

    @Override
    public JobResult call(SparkJob job) throws IOException {
        TaskContext tc = TaskContext.get();
        int threads = tc != null ? tc.cpus() : 1;
        int attempt = tc != null ? tc.attemptNumber() : 0;
        Configuration conf = new Configuration();
        hadoopConf.forEach(conf::set);
        java.util.function.Consumer<String> notes = m -> System.err.println("nst-spark: " + job.output() + ": " + m);   // the executor's log
        long start = System.nanoTime();
        StyleOptions o;
        BatchRecipe recipe;
        try {
            recipe = recipe(common, job, threads);
            Image content = Images.decode(HadoopFiles.read(job.content(), ImageLimits.DEFAULT.maxFileBytes(), conf), job.content());
            Image style = Images.decode(HadoopFiles.read(job.style(), ImageLimits.DEFAULT.maxFileBytes(), conf), job.style());
            o = recipe.options(content, style);
        } catch (NstException | IllegalArgumentException | java.io.FileNotFoundException e) {
            return new JobResult(job, JobResult.FAILED, seconds(start), null, reason(e), attempt);
        }
        String contentName = HadoopFiles.recordedName(job.content()), styleName = HadoopFiles.recordedName(job.style());
        if (!force && recorded(job.output(), recipe.metadata(contentName, styleName, o, null), conf))
            return new JobResult(job, JobResult.SKIPPED, seconds(start), null, null, attempt);

        StyleTransfer.Result r;
        try {
            VggWeights w = ExecutorCache.weights(o, conf, notes);
            Backend backend = ExecutorCache.borrow(o, notes);
            boolean broken = true;
            try {
                r = new StyleTransfer(notes).run(o, w, backend, failureHook(tc), null);
                broken = false;
            } finally {
                ExecutorCache.release(o, backend, broken, notes);
            }
        } catch (NstException | IllegalArgumentException | DeviceException e) {
            return new JobResult(job, JobResult.FAILED, seconds(start), null, reason(e), attempt);
        }
        byte[] png = Images.pngBytes(r.image(), recipe.metadata(contentName, styleName, o, r));
        String tag = tc != null ? "attempt-" + tc.taskAttemptId() : "local-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId();
        HadoopFiles.writeAtomically(job.output(), png, tag, conf);
        Double loss = r.finalTerms() == null ? null : r.finalTerms().total();
        return new JobResult(job, JobResult.DONE, seconds(start), loss, null, attempt);
    }

    /** Whether the output is a PNG that records the options this run would record (nst batch's rule). */
    private static boolean recorded(String output, Map<String, String> wanted, Configuration conf) {
        try {
            byte[] b = HadoopFiles.readIfExists(output, ImageLimits.DEFAULT.maxFileBytes(), conf);
            if (b == null) return false;
            String has = Images.pngText(b, output).get(Batch.OPTIONS_KEY);
            return has != null && has.equals(wanted.get(Batch.OPTIONS_KEY));
        } catch (IOException | NstException e) {
            return false;                                           // unreadable: made again
        }
    }

    /** The test hook of {@link #FAIL_FIRST_ATTEMPT}: a listener that throws after the first iteration. */
    private static StyleTransfer.Listener failureHook(TaskContext tc) {
        if (tc == null || tc.attemptNumber() != 0) return null;
        String p = tc.getLocalProperty(FAIL_FIRST_ATTEMPT);
        if (p == null || Integer.parseInt(p) != tc.partitionId()) return null;
        return new StyleTransfer.Listener() {
            @Override public void iteration(StyleTransfer.Progress pr) {
                if (pr.iteration() >= 1) throw new InjectedFailure("injected failure: first attempt of partition " + p + " killed mid-run");
            }
        };
    }

    static final class InjectedFailure extends RuntimeException {
        InjectedFailure(String m) { super(m); }
    }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }

    /** One line for a failure (options by their flags, as the command line says them). */
    static String reason(Exception e) {
        if (e instanceof OptionException o) return o.spelled(TransferOption::flag);
        if (e instanceof java.io.FileNotFoundException) return "no such file: " + e.getMessage();
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
