package nst.engine.video;

import nst.engine.NstException;
import nst.engine.image.Image;
import nst.engine.image.ImageLimits;
import nst.engine.image.Images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A folder of numbered frames: the images in it (.png .jpg .jpeg .bmp) whose names hold a number, in the order of
 * their last number ({@code shot7_0001.png} is frame 1 of shot 7); two files with one number, or more than
 * {@link #MAX_FRAMES} frames, are refused before any image is read. Each frame is read with the image limits of
 * {@link Images#read}, and must have the first frame's size. Output frames are named {@link #name(int)}.
 */
public final class FrameFolder implements FrameSource {
    /** The most frames a clip may have: 100,000 is over an hour at 25 fps, far beyond what an optimiser renders. */
    public static final int MAX_FRAMES = 100_000;
    private static final Pattern NUMBER = Pattern.compile("(\\d+)(?!.*\\d)");
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    private final Path dir;
    private final List<Path> frames;
    private final ImageLimits limits;
    private int next, width = -1, height = -1;

    public FrameFolder(Path dir) throws IOException { this(dir, ImageLimits.DEFAULT); }

    public FrameFolder(Path dir, ImageLimits limits) throws IOException {
        this.dir = dir;
        this.limits = limits;
        this.frames = list(dir);
    }

    /** The numbered frames of {@code dir} in order. */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new NstException(dir + " is not a folder of frames");
        TreeMap<Long, Path> byNumber = new TreeMap<>();
        int seen = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                if (EXTENSIONS.stream().noneMatch(lower::endsWith) || !Files.isRegularFile(p)) continue;
                Matcher m = NUMBER.matcher(name.substring(0, name.lastIndexOf('.')));
                if (!m.find()) continue;
                if (++seen > MAX_FRAMES) throw new NstException(dir + " holds more than " + MAX_FRAMES + " frames; split the clip");
                String digits = m.group(1);
                if (digits.length() > 15) throw new NstException(p + ": frame number " + digits + " is too long");
                Path before = byNumber.put(Long.parseLong(digits), p);
                if (before != null)
                    throw new NstException(dir + ": " + before.getFileName() + " and " + p.getFileName() + " have the same frame number");
            }
        }
        if (byNumber.isEmpty()) throw new NstException(dir + " holds no numbered frames (.png .jpg .jpeg .bmp with a number in the name)");
        return new ArrayList<>(byNumber.values());
    }

    /** The name of output frame {@code index} (0-based): frame_00001.png for the first. */
    public static String name(int index) { return String.format(Locale.ROOT, "frame_%05d.png", index + 1); }

    @Override public int frameCount() { return frames.size(); }
    @Override public double fps() { return 0; }
    @Override public String name() { return dir.toString(); }

    /** The frame files, in order. */
    public List<Path> files() { return List.copyOf(frames); }

    @Override
    public Image next() {
        if (next >= frames.size()) return null;
        Path p = frames.get(next++);
        Image im = Images.read(p, limits);
        if (width < 0) {
            width = im.width();
            height = im.height();
        } else if (im.width() != width || im.height() != height) {
            throw new NstException(p + " is " + im.width() + "x" + im.height() + ", the frames before it " + width + "x" + height
                    + "; every frame of a clip must have one size");
        }
        return im;
    }

    @Override public void close() {}

}
