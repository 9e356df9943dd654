package nst.app.web;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.adain.AdaInTransfer;
import nst.engine.image.Images;
import nst.engine.loss.LossTerms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One studio job: its options, state, step-through recorder, result (a PNG carrying the run's options, as
 * nst stylize writes them), and the event queues of the clients listening to it (each client drains its own
 * queue, so a slow browser never blocks the transfer).
 * Leaves out persistence: jobs live in memory until the manager evicts them.
 */
public final class Job {
    public enum Status { QUEUED, RUNNING, DONE, FAILED, CANCELLED;
        public String json() { return name().toLowerCase(Locale.ROOT); }
        public boolean terminal() { return this == DONE || this == FAILED || this == CANCELLED; }
    }

    /** A server-sent event: its name and JSON data. */
    public record Event(String name, String data) {
        public boolean terminal() { return name.equals("done") || name.equals("failed") || name.equals("cancelled"); }
    }

    /** Events a client may fall behind by before it is dropped. */
    private static final int CLIENT_QUEUE = 10_000;

    final String id;
    /** What the engine runs (saveEvery 0: the step-through takes the pictures); null once the job has ended. */
    private StyleOptions options;
    /** The backend the job was queued for (its worker). */
    final String worker;
    /** The step-through's interval, and the input arguments (--content NAME …) for the result's metadata. */
    final int saveEvery;
    final List<String> inputs;
    /** "gatys" or "adain" (one pass: no iterations, no step-through). */
    final String method;
    final Inspector inspector;
    final StyleTransfer.Cancellation cancellation = new StyleTransfer.Cancellation();
    final long createdMillis = System.currentTimeMillis();

    private Status status = Status.QUEUED;
    private int iteration, stageIteration, stageIterations;
    private LossTerms terms;
    private double elapsed, eta;
    private String error, backend;
    private int width, height;
    private int lastImageIteration = -1;
    private byte[] resultPng;
    private final List<BlockingQueue<Event>> clients = new ArrayList<>();

    Job(String id, JobForm.Request r, int maxSnapshots) {
        this.id = id;
        this.options = r.options();
        this.worker = options.backend();
        this.saveEvery = Math.max(1, r.saveEvery());
        this.inputs = r.inputs();
        this.method = options.adain() ? "adain" : "gatys";
        this.inspector = new Inspector(options, saveEvery, maxSnapshots);
    }

    public String id() { return id; }
    public synchronized Status status() { return status; }
    public synchronized byte[] resultPng() { return resultPng; }
    /** The options to run; null once the job has ended (its decoded inputs are let go then). */
    synchronized StyleOptions options() { return options; }

    /** QUEUED → RUNNING; false when the job was cancelled while it waited. */
    synchronized boolean start() {
        if (status != Status.QUEUED) return false;
        status = Status.RUNNING;
        return true;
    }

    /** A stage of the run starts (once per scale); the backend is the first stage's description. */
    synchronized void started(String backend, int width, int height) {
        if (this.backend == null) this.backend = backend;
        this.width = width;
        this.height = height;
        inspector.stage(width, height);
        publish(new Event("progress", Json.write(state())));
    }

    /** After {@link Inspector#record}: iterations and seconds count across stages. */
    synchronized void progress(StyleTransfer.Progress p) {
        iteration = inspector.steps();
        stageIteration = p.iteration();
        stageIterations = p.iterations();
        terms = p.terms();
        elapsed = inspector.seconds();
        eta = iteration == 0 ? 0 : elapsed / iteration * Math.max(0, inspector.plannedIterations() - iteration);
        publish(new Event("progress", Json.write(state())));
    }

    synchronized void image(int iteration) {
        lastImageIteration = iteration;
        publish(imageEvent());
    }

    /** Cancels a queued job at once; asks a running one to stop at its next evaluation. */
    synchronized boolean cancel() {
        if (status.terminal()) return false;
        cancellation.cancel();
        if (status == Status.QUEUED) end(Status.CANCELLED, null, null);
        return true;
    }

    synchronized void finish(StyleTransfer.Result r) {
        elapsed = r.seconds();
        eta = 0;
        end(r.cancelled() ? Status.CANCELLED : Status.DONE, null, png(r));
    }

    /** The end of a {@code method=adain} job: its one picture, with the metadata nst stylize --method adain writes. */
    synchronized void finish(AdaInTransfer.Result r, boolean cancelled) {
        elapsed = r.seconds();
        eta = 0;
        Map<String, String> meta = nst.app.OutputMetadata.of(options, inputs, null, NOTE);
        meta.put("nst:backend", r.backend());
        meta.put("nst:weights-source", r.weightsSource());
        end(cancelled ? Status.CANCELLED : Status.DONE, null, Images.pngBytes(r.image(), meta));
    }

    synchronized void fail(String message, StyleTransfer.Result lastGood) {
        end(Status.FAILED, message, lastGood == null ? null : png(lastGood));
    }

    /** Where the input names in a studio result's nst:options come from. */
    static final String NOTE = "made by the nst studio: nst:options names uploads as they were uploaded and bundled examples as"
            + " examples/NAME.jpg (relative to the nst folder); to rerun with nst stylize --like, run it where those files are,"
            + " or give --content, --style, --mask and --init-image again";

    /** The result as PNG with the run's options in tEXt, as nst stylize writes them (nst stylize --like reruns it). */
    private byte[] png(StyleTransfer.Result r) {
        return Images.pngBytes(r.image(), nst.app.OutputMetadata.of(options, inputs, r, NOTE));
    }

    /** Ends the job; from here on it keeps only what the page shows (result PNG, snapshots, history), not its inputs. */
    private void end(Status s, String message, byte[] png) {
        status = s;
        error = message;
        resultPng = png;
        options = null;
        inspector.release();
        publish(terminalEvent());
        clients.clear();
    }

    /** A new client's queue, holding the current state first (and the end, when the job has ended). */
    synchronized BlockingQueue<Event> subscribe() {
        BlockingQueue<Event> q = new LinkedBlockingQueue<>();
        q.add(new Event("progress", Json.write(state())));
        if (lastImageIteration >= 0) q.add(imageEvent());
        if (status.terminal()) q.add(terminalEvent());
        else clients.add(q);
        return q;
    }

    synchronized void unsubscribe(BlockingQueue<Event> q) { clients.remove(q); }

    private void publish(Event e) {
        clients.removeIf(q -> q.size() >= CLIENT_QUEUE);       // a client this far behind is gone
        for (BlockingQueue<Event> q : clients) q.add(e);
    }

    private Event imageEvent() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iteration", lastImageIteration);
        m.put("url", "/api/jobs/" + id + "/images/" + lastImageIteration + ".png");
        return new Event("image", Json.write(m));
    }

    private Event terminalEvent() { return new Event(status.json(), Json.write(state())); }

    /** The status document of GET /api/jobs/{id} (without the loss history). */
    public synchronized Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", status.json());
        m.put("method", method);
        m.put("iteration", iteration);
        m.put("iterations", inspector.plannedIterations());
        Map<String, Object> loss = new LinkedHashMap<>();
        if (terms != null) {
            loss.put("total", terms.total());
            loss.put("content", terms.content());
            loss.put("style", terms.style());
            loss.put("tv", terms.tv());
        }
        m.put("loss", loss);
        m.put("elapsed", elapsed);
        m.put("eta", eta);
        m.put("error", error);
        m.put("backend", backend);
        m.put("width", width);
        m.put("height", height);
        Map<String, Object> stage = StudioServer.stage(inspector.currentStage());
        if (stage != null) {
            stage.put("iteration", stageIteration);
            stage.put("iterations", stageIterations);
        }
        m.put("stage", stage);
        m.put("saveEvery", saveEvery);
        m.put("savedIterations", inspector.savedIterations());
        m.put("result", resultPng == null ? null : "/api/jobs/" + id + "/result.png");
        return m;
    }
}
