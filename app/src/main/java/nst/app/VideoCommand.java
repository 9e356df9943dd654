package nst.app;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.video.FrameFolder;
import nst.engine.video.FrameSource;
import nst.engine.video.Video;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code nst video}: a clip (MP4 or a folder of numbered frames) stylized frame by frame with the temporal loss of
 * Ruder et al. ({@link Video}: one weights load, one backend, resumable per frame), written as numbered PNG frames
 * and, for an {@code .mp4} output, encoded at the end ({@link Mp4}). Takes stylize's transfer options except
 * --content (the frames), --loss-log and --init-image (each frame starts from the content or the warped previous output).
 */
@Command(name = "video", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = TransferOptions.Flags.class,
        description = "Stylize a clip frame by frame with a temporal loss against flicker (Ruder et al. 2016): MP4 (H.264) or a"
                + " folder of numbered frames in, MP4 and/or numbered PNG frames out; resumable per frame.")
final class VideoCommand implements Callable<Integer>, TransferOptions.Command {
    static final String DEFAULT_TEMPORAL_WEIGHT = "30";

    @Option(names = "--input", required = true, paramLabel = "CLIP.mp4|FRAMES_DIR",
            description = "The clip: an MP4 with H.264 video (progressive, 8-bit 4:2:0), or a folder of numbered frames"
                    + " (.png .jpg .jpeg .bmp, ordered by the last number in the name).")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "OUT.mp4|OUT_DIR",
            description = "An .mp4 (its frames are kept as PNGs in OUT.frames/ next to it, for resuming) or a folder of"
                    + " numbered PNG frames (frame_00001.png …).")
    Path out;

    @Option(names = "--temporal-weight", paramLabel = "W", defaultValue = DEFAULT_TEMPORAL_WEIGHT,
            description = "Weight λ of the temporal loss (the previous output warped by the optical flow, over the pixels"
                    + " the consistency check trusts); 0 = plain frame-by-frame stylization. Default: " + DEFAULT_TEMPORAL_WEIGHT + ".")
    double temporalWeight;

    @Option(names = "--fps", paramLabel = "N", description = "Frame rate of an .mp4 output. Default: the input's, 25 for a folder of frames.")
    Double fps;

    @Option(names = "--force", description = "Redo frames that exist with the same recorded options (they are skipped otherwise).")
    boolean force;

    @picocli.CommandLine.Mixin
    TransferOptions options = new TransferOptions(Map.of(),
            EnumSet.of(TransferOption.CONTENT, TransferOption.LOSS_LOG, TransferOption.INIT_IMAGE), EnumSet.of(TransferOption.STYLE));

    @Spec
    CommandSpec spec;

    private final PrintStream err = System.err;

    @Override public TransferOptions options() { return options; }

    @Override
    public Integer call() throws IOException {
        options.read(spec.commandLine().getParseResult());
        if (!(temporalWeight >= 0) || Double.isInfinite(temporalWeight)) {
            spec.commandLine().getErr().println("nst: error: --temporal-weight must be a number >= 0, got " + temporalWeight);
            return 2;
        }
        if (fps != null && !(fps > 0 && fps <= 1000)) {
            spec.commandLine().getErr().println("nst: error: --fps must be in (0, 1000], got " + fps);
            return 2;
        }
        boolean mp4Out = Mp4.isVideoFile(out);
        if (!mp4Out && Files.exists(out) && !Files.isDirectory(out))
            throw new NstException("--out: " + out + " is a file; give an .mp4 or a folder for the frames");
        if (mp4Out) nst.engine.io.AtomicFiles.checkWritable(out);
        Path framesDir = mp4Out ? framesDir(out) : out;
        List<Path> stylePaths = options.paths(TransferOption.STYLE);
        List<Image> styles = TransferRunner.readAll(stylePaths);
        List<String> inputs = new ArrayList<>(List.of("--content", input.toAbsolutePath().normalize().toString()));
        for (Path p : stylePaths) inputs.addAll(List.of("--style", p.toAbsolutePath().normalize().toString()));

        Video.Recipe recipe = new Video.Recipe() {
            @Override public StyleOptions options(Image content) { return options.toOptions(content, styles); }
            @Override public Map<String, String> metadata(int index, StyleOptions o, StyleTransfer.Result result) {
                return TransferRunner.metadata(o, options, inputs, result);
            }
        };
        List<Video.Frame> frames;
        int total;
        // The MP4 is encoded inside the interrupt guard: Ctrl-C during the encoding waits for it (the frames are safe
        // either way; the MP4 is written through a temporary file and a rename).
        try (FrameSource source = open(input); TransferRunner.Interrupts interrupts = new TransferRunner.Interrupts(err)) {
            total = source.frameCount();
            double sourceFps = source.fps();
            if (!options.quiet)
                err.printf(Locale.ROOT, "nst: %s: %d frames%s, --temporal-weight %s, frames into %s%n", input, total,
                        sourceFps > 0 ? String.format(Locale.ROOT, " at %.3g fps", sourceFps) : "", Double.toString(temporalWeight), framesDir);
            frames = new Video(recipe, temporalWeight, force, null, msg -> err.println("nst: " + msg))
                    .run(source, framesDir, new Report(), interrupts.cancellation);
            if (frames.size() < total) {
                err.printf("nst: video interrupted: %d of %d frames in %s; rerun the same command to continue%n", frames.size(), total, framesDir);
                return 130;
            }
            if (mp4Out) {
                double rate = fps != null ? fps : sourceFps > 0 ? sourceFps : 25;
                if (!options.quiet) err.printf(Locale.ROOT, "nst: encoding %d frames into %s (H.264 baseline, %.3g fps)%n", frames.size(), out, rate);
                Mp4.write(out, frames.stream().map(Video.Frame::output).toList(), rate);
            }
        }
        long skipped = frames.stream().filter(Video.Frame::skipped).count();
        err.printf("nst: video finished: %d frames made, %d skipped; %s%n", frames.size() - skipped, skipped, mp4Out ? out : framesDir);
        return 0;
    }

    /** Where the frames of an .mp4 output are kept: OUT.frames/ next to it (clip.mp4 → clip.frames/). */
    static Path framesDir(Path mp4) {
        String name = mp4.getFileName().toString();
        return mp4.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".frames");
    }

    /** A folder of frames, or an MP4; anything else is one line. */
    static FrameSource open(Path input) throws IOException {
        if (Files.isDirectory(input)) return new FrameFolder(input);
        if (Files.isRegularFile(input)) return new Mp4.Reader(input, ImageLimits.DEFAULT);
        throw new NstException("--input: " + input + " is neither an MP4 file nor a folder of frames");
    }

    /** Progress: "frame i/N, ETA m:ss" per frame, each frame's iterations, a line per finished frame. */
    private final class Report implements Video.Listener {
        private TransferRunner.Progress iterations;
        private int made;
        private double madeSeconds;

        @Override public void starting(int index, int total) {
            if (options.quiet) return;
            String eta = made == 0 ? "ETA unknown" : "ETA " + TransferRunner.Progress.clock(madeSeconds / made * (total - index));
            err.println("nst: frame " + (index + 1) + "/" + total + ", " + eta);
        }

        @Override public StyleTransfer.Listener transfer(int index) {
            iterations = new TransferRunner.Progress(err, options.quiet);
            TransferRunner.Progress p = iterations;
            return new StyleTransfer.Listener() {
                @Override public void iteration(StyleTransfer.Progress pr) { p.update(pr); }
            };
        }

        @Override public void finished(Video.Frame f, int total) {
            if (iterations != null) iterations.finish();
            iterations = null;
            if (!f.skipped()) {
                made++;
                madeSeconds += f.seconds();
            }
            if (options.quiet) return;
            if (f.skipped()) err.println("nst: skipped " + f.output() + ": it exists with the same options (--force redoes it)");
            else err.printf(Locale.ROOT, "nst: wrote %s in %.1f s (loss %.4g%s)%n", f.output(), f.seconds(), f.loss(),
                    Double.isNaN(f.trusted()) ? "" : String.format(Locale.ROOT, ", flow trusted on %.0f %% of the pixels", 100 * f.trusted()));
        }
    }
}
