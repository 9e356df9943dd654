package nst.engine.video;

import nst.engine.BackendChoice;
import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.WeightsLookup;
import nst.engine.batch.Batch;
import nst.engine.flow.Consistency;
import nst.engine.flow.OpticalFlow;
import nst.engine.flow.Warp;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.TemporalLoss;
import nst.engine.network.NetworkWeights;
import nst.kernels.Backend;
import nst.kernels.DeviceException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A clip stylized frame by frame with the temporal loss of Ruder, Dosovitskiy &amp; Brox (arXiv 1604.08610), one
 * weights load and one backend for the whole clip. Frame i (content c_i, at the output size):
 * <ol>
 *   <li>frame 0, or λ = 0: a plain transfer from the options' start image (the content by default);</li>
 *   <li>otherwise: the flows of the content frames c_{i−1} → c_i and back ({@link OpticalFlow}), the previous output
 *       warped onto frame i (ω = {@link Warp#backward}), the consistency weights c ({@link Consistency}); the transfer
 *       starts from ω and minimises the Gatys loss + λ · {@link TemporalLoss}(ω, c).</li>
 * </ol>
 * Each output frame is written as {@code dir/frame_00001.png}… through a temporary file and a rename, with the
 * recipe's tEXt entries and {@link #VIDEO_KEY} (the source, the frame number, λ). Resumable: a frame whose PNG
 * records the same options is read back instead of made (unless forced); with λ &gt; 0 every frame after one that
 * was made again is made again too, since it starts from it. A cancelled frame writes nothing. A failing frame ends
 * the clip (the frames after it depend on it). Leaves out reading and encoding video files (the application's).
 */
public final class Video {
    /** The PNG tEXt key recording which frame of which clip, with which temporal weight. */
    public static final String VIDEO_KEY = "nst:video";

    /** How a frame's options and the tEXt entries of its output are made. */
    public interface Recipe {
        /** The validated options for one content frame (already at the output size). */
        StyleOptions options(Image content);

        /** The tEXt entries of the frame's output; {@code result} is null when asked what would be recorded. */
        Map<String, String> metadata(int index, StyleOptions options, StyleTransfer.Result result);
    }

    /** Hears the clip go by; called on the thread that runs it. */
    public interface Listener {
        default void starting(int index, int total) {}
        /** The listener of this frame's transfer, or null. */
        default StyleTransfer.Listener transfer(int index) { return null; }
        /** Frame {@code index} ended so; an exception thrown here stops the clip. */
        default void finished(Frame frame, int total) {}
    }

    /**
     * What became of one frame. {@code seconds}: the frame's time, flow included; {@code loss}: the final total loss
     * (null when skipped); {@code trusted}: the share of pixels the consistency check kept (NaN for frame 0 or λ = 0).
     */
    public record Frame(int index, Path output, boolean skipped, double seconds, Double loss, double trusted) {}

    private final Recipe recipe;
    private final double temporalWeight;
    private final boolean force;
    private final OpticalFlow flow;
    private final Consumer<String> notices;

    /**
     * @param temporalWeight λ ≥ 0 (0: plain frame-by-frame)
     * @param force          make frames again even when their PNG records the same options
     */
    public Video(Recipe recipe, double temporalWeight, boolean force, OpticalFlow flow, Consumer<String> notices) {
        if (!(temporalWeight >= 0) || Double.isInfinite(temporalWeight))
            throw new NstException("--temporal-weight must be a number >= 0, got " + temporalWeight);
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.temporalWeight = temporalWeight;
        this.force = force;
        this.flow = flow == null ? new OpticalFlow() : flow;
        this.notices = notices == null ? s -> {} : notices;
    }

    /**
     * Stylizes every frame of {@code source} into {@code dir} (created when missing). Returns the frames that ended,
     * in order: fewer than the source has when cancelled.
     */
    public List<Frame> run(FrameSource source, Path dir, Listener listener, StyleTransfer.Cancellation cancel) throws IOException {
        Listener l = listener == null ? new Listener() {} : listener;
        StyleTransfer.Cancellation c = cancel == null ? new StyleTransfer.Cancellation() : cancel;
        Files.createDirectories(dir);
        List<Frame> done = new ArrayList<>();
        int total = source.frameCount();
        Image previousContent = null, previousOutput = null;
        boolean remade = false;                       // a frame was made again: with λ > 0, the ones after it follow
        try (Shared shared = new Shared()) {
            for (int i = 0; !c.isCancelled(); i++) {
                Image raw = source.next();
                if (raw == null) break;
                if (i >= total) throw new NstException(source.name() + " has more frames than it declares (" + total + ")");
                l.starting(i, total);
                long start = System.nanoTime();
                StyleOptions first = recipe.options(raw);
                Image content = Images.resizeLongest(raw, first.size());
                StyleOptions o = first.toBuilder().content(content).build().validate();
                if (temporalWeight > 0) StyleTransfer.checkTemporal(o);       // before the first frame, not at the second
                Path out = dir.resolve(FrameFolder.name(i));
                Map<String, String> wanted = withVideoKey(recipe.metadata(i, o, null), source, i);
                Image recorded = force || (remade && temporalWeight > 0) ? null : recorded(out, wanted, content);
                Frame frame;
                if (recorded != null) {
                    previousOutput = recorded;
                    frame = new Frame(i, out, true, seconds(start), null, Double.NaN);
                } else {
                    remade = true;
                    TemporalLoss temporal = null;
                    double trusted = Double.NaN;
                    if (temporalWeight > 0 && previousOutput != null) {
                        OpticalFlow.Pair pair = flow.bothDirections(previousContent, content);
                        float[] weights = Consistency.weights(pair.forward(), pair.backward());
                        Image warped = Warp.backward(previousOutput, pair.backward());
                        temporal = new TemporalLoss(warped, weights);
                        o = o.toBuilder().initImage(warped).build().validate();
                        double kept = 0;
                        for (float w : weights) kept += w;
                        trusted = kept / weights.length;
                    }
                    StyleTransfer.Result r = shared.transfer(o, l.transfer(i), c, temporal, temporalWeight);
                    if (r.cancelled()) break;                  // half-made: not written
                    Images.writePng(r.image(), out, withVideoKey(recipe.metadata(i, o, r), source, i));
                    previousOutput = quantised(r.image());
                    Double loss = r.finalTerms() == null ? null : r.finalTerms().total();
                    frame = new Frame(i, out, false, seconds(start), loss, trusted);
                }
                previousContent = content;
                done.add(frame);
                l.finished(frame, total);
            }
        }
        return done;
    }

    private Map<String, String> withVideoKey(Map<String, String> m, FrameSource source, int index) {
        Map<String, String> out = new LinkedHashMap<>(m);
        out.put(VIDEO_KEY, videoRecord(source.name(), index, temporalWeight));
        return out;
    }

    /** What {@link #VIDEO_KEY} records: the source, the frame (1-based) and λ. */
    public static String videoRecord(String source, int index, double temporalWeight) {
        return String.format(Locale.ROOT, "frame %d of %s, --temporal-weight %s", index + 1, source, Double.toString(temporalWeight));
    }

    /**
     * The output frame already there, as the PNG holds it, when it records what this run would record and has the
     * content's size; otherwise null (missing, unreadable or different: made again).
     */
    private static Image recorded(Path out, Map<String, String> wanted, Image content) {
        if (!Files.isRegularFile(out)) return null;
        try {
            Map<String, String> has = Images.readPngText(out);
            if (!Objects.equals(has.get(Batch.OPTIONS_KEY), wanted.get(Batch.OPTIONS_KEY))
                    || !Objects.equals(has.get(VIDEO_KEY), wanted.get(VIDEO_KEY))) return null;
            Image im = Images.read(out);
            return im.width() == content.width() && im.height() == content.height() ? im : null;
        } catch (IOException | NstException e) {
            return null;
        }
    }

    /** The image as its PNG holds it (clamped, 8 bits per channel), so a resumed clip continues from the same pixels. */
    static Image quantised(Image im) {
        float[] v = im.rgb().clone();
        for (int i = 0; i < v.length; i++) {
            float f = v[i];
            v[i] = !(f > 0f) ? 0f : f >= 1f ? 1f : Math.round(f * 255f) / 255f;
        }
        return new Image(im.width(), im.height(), v);
    }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }

    /** The weights and backend of the clip, made by the first frame that is rendered (a clip that skips everything loads nothing). */
    private final class Shared implements AutoCloseable {
        private NetworkWeights weights;
        private Backend backend;

        StyleTransfer.Result transfer(StyleOptions o, StyleTransfer.Listener listener, StyleTransfer.Cancellation c,
                                      TemporalLoss temporal, double lambda) {
            if (weights == null) weights = WeightsLookup.resolve(o, notices);
            if (backend == null) backend = BackendChoice.create(o, notices);
            return new StyleTransfer(notices).run(o, weights, backend, listener, c, temporal, lambda);
        }

        @Override public void close() {
            if (backend == null) return;
            try {
                backend.close();
            } catch (DeviceException e) {
                notices.accept("releasing backend " + backend.name() + " failed: " + e.getMessage());
            } finally {
                backend = null;
            }
        }
    }
}
