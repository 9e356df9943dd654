package nst.engine.adain;

import nst.engine.BackendChoice;
import nst.engine.NstException;
import nst.engine.OptionException;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.TransferOption;
import nst.engine.WeightsException;
import nst.engine.WeightsLookup;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Tensor;
import nst.kernels.Backend;
import nst.kernels.Buffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * AdaIN style transfer (Huang &amp; Belongie, ICCV 2017) as a method beside Gatys: one pass through the encoder
 * ({@link AdaInNetwork}) for each style and for the content, AdaIN at relu4_1 ({@link AdaIn}), one pass through the
 * decoder, the output cropped to the content's size. The controls of the public release:
 * <ul>
 * <li>α ({@link StyleOptions#alpha()}): features α·AdaIN(x, s) + (1 − α)·x before decoding;</li>
 * <li>several styles blended by {@link StyleOptions#normalisedBlend()} (the AdaIN targets interpolated, as
 * {@code test.py}'s {@code --style_interpolation_weights});</li>
 * <li>masks, one per style ({@code test.lua}'s spatial control): each relu4_1 position takes the style of the first
 * mask that is white there (mask ≥ 0.5, sampled at the position's centre); AdaIN uses the content statistics of that
 * region only; positions under no mask keep the content's features;</li>
 * <li>{@code --preserve-colors}: histogram recolours each style to the content's colour mean and covariance
 * first ({@code test.py}'s {@code --preserve_color}); luminance runs on luminance and puts the content's chroma back
 * ({@link StyleTransfer.Inputs});</li>
 * <li>the style images at their own size: {@code --style-scale} × the output's longest side (1 = the same).</li>
 * </ul>
 * The weights ({@link #weights}): a file, {@code random} (seeded, says so) or {@code auto} (the default location,
 * else an error that says how to get them). Leaves out the gradient (no optimisation runs through these networks).
 */
public final class AdaInTransfer {

    /** The default file name in the weights location ({@link WeightsLookup#defaultFile}). */
    public static final String MODEL = "adain";

    /** What a run made: the image (the content's size), and how. */
    public record Result(Image image, String backend, String weightsSource, double seconds) {}

    private final Consumer<String> notices;

    /** @param notices one-line notices (random weights, backend choice); may be null */
    public AdaInTransfer(Consumer<String> notices) {
        this.notices = notices == null ? s -> {} : notices;
    }

    /**
     * The AdaIN weights an option names: a path, "random" (seeded by {@code seed}, with a one-line notice) or "auto"
     * (the default location; missing, an error saying how to get them). {@code option} is the flag named in messages.
     */
    public static AdaInWeights weights(String value, long seed, TransferOption option, Consumer<String> notices) {
        Consumer<String> say = notices == null ? s -> {} : notices;
        return switch (WeightsLookup.Kind.of(value)) {
            case RANDOM -> {
                say.accept("using seeded random AdaIN weights (seed " + seed + "): the pipeline runs, but a random encoder and"
                        + " decoder are no autoencoder, so the picture shows colour and texture blotches, not the content");
                yield AdaInWeights.random(seed);
            }
            case FILE -> {
                Path p = Path.of(value);
                if (!Files.isRegularFile(p)) throw new WeightsException(option.flag() + ": no AdaIN weights file " + p);
                yield AdaInWeights.load(p);
            }
            case AUTO -> {
                Path p = WeightsLookup.defaultFile(MODEL);
                if (!Files.isRegularFile(p))
                    throw new WeightsException("no AdaIN weights at " + p + ": get them with './nst weights fetch adain', or convert the"
                            + " release files with './nst weights convert vgg_normalised.pth decoder.pth --out " + p + "'; or give "
                            + option.flag() + " random (seeded random networks, for trying the pipeline)");
                yield AdaInWeights.load(p);
            }
        };
    }

    /** Runs AdaIN as {@code o} says ({@link StyleOptions#weights()} names the AdaIN weights), creating and closing the backend. */
    public Result run(StyleOptions o) {
        o.validate();
        checkSizes(o, o.size());                                   // before loading weights or starting a backend
        AdaInWeights w = weights(o.weights(), o.seed(), TransferOption.WEIGHTS, notices);
        try (Backend backend = BackendChoice.create(o, notices); AdaInNetwork net = new AdaInNetwork(backend, w)) {
            if (backend.memory() == Backend.Memory.JAVA_HEAP) checkHeap(o);
            long t0 = System.nanoTime();
            Image im = stylize(net, o, o.size());
            return new Result(im, backend.description(), w.source(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Refuses a run whose buffers would not fit the heap (a Java-heap backend): the plan's two ping-pong buffers of the
     * largest padded activation (64 × (H+2) × (W+2) floats), the resized images and a decoded copy, with 25 % headroom.
     */
    static void checkHeap(StyleOptions o) {
        int[] c = Images.longestSize(o.content().width(), o.content().height(), o.size());
        long floats = 2L * 64 * (c[0] + 2) * (c[1] + 2) + 4L * 3 * c[0] * c[1];
        long need = floats * 4 + floats, have = Runtime.getRuntime().maxMemory();
        if (need > have)
            throw new NstException("AdaIN at " + c[0] + "x" + c[1] + " needs about " + (need >> 20) + " MiB of heap, the JVM has "
                    + (have >> 20) + " MiB: use a smaller --size, or a larger heap (NST_JAVA_OPTS=-Xmx...)");
    }

    /** Refuses images too small for the encoder at output size {@code size}, from their sizes alone. */
    public static void checkSizes(StyleOptions o, int size) {
        int[] c = Images.longestSize(o.content().width(), o.content().height(), size);
        check("the content image (after --size)", c[0], c[1]);
        int styleLongest = o.controls().styleLongest(size);
        for (int i = 0; i < o.styles().size(); i++) {
            int[] s = Images.longestSize(o.styles().get(i).width(), o.styles().get(i).height(), styleLongest);
            check("style image " + (i + 1) + " (after --size and --style-scale)", s[0], s[1]);
        }
    }

    private static void check(String what, int w, int h) {
        try {
            AdaInNetwork.checkSize(what, w, h);
        } catch (IllegalArgumentException e) {
            throw new NstException(e.getMessage());
        }
    }

    /**
     * The AdaIN image for {@code o} with the content resized so its longest side is {@code size}, on {@code net}'s
     * backend: what {@link #run} makes, and the start of Gatys's {@code --init adain}.
     */
    public static Image stylize(AdaInNetwork net, StyleOptions o, int size) {
        StyleTransfer.Inputs in = StyleTransfer.Inputs.of(o);
        Image content = Images.resizeLongest(in.content(), size);
        int styleLongest = o.controls().styleLongest(size);
        List<Image> styles = new ArrayList<>();
        for (Image s : in.styles()) styles.add(Images.resizeLongest(s, styleLongest));
        List<Image> masks = o.controls().masks();
        Image out = stylize(net, content, styles, o.normalisedBlend(), o.alpha(), masks.isEmpty() ? null : masks);
        return in.finisher(o.content(), out.width(), out.height()).apply(out);
    }

    /**
     * The core: {@code content} in the style of {@code styles} (each at its own size), blended by {@code blend}
     * (normalised), trade-off {@code alpha}, with one mask per style or null. Returns the content's size, clamped to
     * [0, 1] as the public code saves it.
     */
    public static Image stylize(AdaInNetwork net, Image content, List<Image> styles, double[] blend, double alpha, List<Image> masks) {
        if (!(alpha >= 0 && alpha <= 1))
            throw new OptionException(TransferOption.ALPHA, "{} must be in [0, 1] (1 = the style's statistics, 0 = the content's), got " + alpha);
        if (styles.isEmpty()) throw new OptionException(TransferOption.STYLE, "{}: AdaIN needs at least one style image");
        if (masks != null && masks.size() != styles.size())
            throw new OptionException(TransferOption.MASK, "{}: give one mask per style image (" + masks.size() + " masks for " + styles.size() + " styles)");
        check("the content image (after --size)", content.width(), content.height());
        for (int i = 0; i < styles.size(); i++)
            check("style image " + (i + 1) + " (after --size and --style-scale)", styles.get(i).width(), styles.get(i).height());
        Backend b = net.backend();
        List<AdaIn.Statistics> styleStats = new ArrayList<>();
        for (Image s : styles) {
            try (AdaInNetwork.Plan p = net.plan(s.height(), s.width(), false)) {
                b.upload(p.input, s.rgb());
                styleStats.add(AdaIn.statistics(b, p.encode(null)));
            }
        }
        try (AdaInNetwork.Plan p = net.plan(content.height(), content.width(), true)) {
            b.upload(p.input, content.rgb());
            Tensor cf = p.encode(null);
            float[] x = cf.download(b);
            try (Buffer feat = b.allocate(cf.size())) {
                Tensor f = new Tensor(feat, cf.channels(), cf.height(), cf.width());
                if (masks == null) {
                    float[] coeffs = AdaIn.coefficients(AdaIn.statistics(b, cf), styleStats, blend, alpha);
                    b.upload(feat, x);
                    try (Buffer cb = b.allocate(coeffs.length)) {
                        b.upload(cb, coeffs);
                        b.channelAffine(feat, feat, cb, f.channels(), f.positions());
                    }
                } else {
                    b.upload(feat, masked(x, f.channels(), f.height(), f.width(), styleStats, masks, alpha));
                }
                Tensor out = p.decode(f);
                float[] full = out.download(b);
                float[] rgb = AdaInNetwork.crop(full, out.height(), out.width(), content.height(), content.width());
                return new Image(content.width(), content.height(), rgb).clamped();
            }
        }
    }

    /**
     * Spatial control on the host (relu4_1 is small: 512 × (H/8) × (W/8)): region k is the positions whose first
     * white mask is k; its features get AdaIN with region k's own content statistics and style k's, blended by α.
     */
    static float[] masked(float[] x, int c, int h, int w, List<AdaIn.Statistics> styles, List<Image> masks, double alpha) {
        int n = h * w;
        int[] region = new int[n];
        java.util.Arrays.fill(region, -1);
        for (int k = masks.size() - 1; k >= 0; k--) {             // the first mask wins: assign in reverse
            Image m = masks.get(k);
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) {
                    int my = Math.min(m.height() - 1, (int) ((y + 0.5) * m.height() / h));
                    int mx = Math.min(m.width() - 1, (int) ((xx + 0.5) * m.width() / w));
                    double v = (m.get(0, my, mx) + m.get(1, my, mx) + m.get(2, my, mx)) / 3;
                    if (v >= 0.5) region[y * w + xx] = k;
                }
        }
        float[] out = x.clone();
        for (int k = 0; k < masks.size(); k++) {
            int count = 0;
            for (int r : region) if (r == k) count++;
            if (count == 0) continue;                                // this style's mask covers nothing here
            if (count < 2)
                throw new NstException("--mask " + (k + 1) + " covers only 1 of the " + w + "x" + h + " relu4_1 positions: AdaIN needs at"
                        + " least 2 to estimate the region's deviation; enlarge the mask or the image");
            AdaIn.Statistics s = styles.get(k);
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int p = 0; p < n; p++) if (region[p] == k) sum += x[ch * n + p];
                double mean = sum / count;
                for (int p = 0; p < n; p++) if (region[p] == k) sq += (x[ch * n + p] - mean) * (x[ch * n + p] - mean);
                double std = Math.sqrt(sq / (count - 1) + AdaIn.EPS);
                double gain = s.std()[ch] / std;
                for (int p = 0; p < n; p++)
                    if (region[p] == k) {
                        double v = x[ch * n + p];
                        out[ch * n + p] = (float) (alpha * (gain * (v - mean) + s.mean()[ch]) + (1 - alpha) * v);
                    }
            }
        }
        return out;
    }
}
