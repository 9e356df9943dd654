package nst.app.bench;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.PoolShape;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Every kernel of a VGG19 pass to relu5_1 at one image size, timed on one backend: 3×3 convolution forward and
 * backward-data for each distinct layer shape, ReLU forward/backward at each block's width, 2×2 max pooling
 * forward/backward before each block, Gram and its backward at the five style layers. The shapes are those of
 * {@code bench/side_by_side.py}'s workload; the GFLOP/s are credited as the JMH benches in bench/ credit them.
 *
 * <p>FLOP and byte model (what the roofline divides): a multiply-add is 2 FLOP; a convolution is credited with
 * the direct algorithm's 2·MACs whatever it runs (Winograd does fewer multiplies, so its GFLOP/s can exceed
 * the FMA peak); Gram and its backward with 2·c²·hw (the kernel computes one triangle of G); ReLU with 1 FLOP per
 * element, max pooling with 3 comparisons per window. Bytes are the compulsory traffic: every operand read once
 * and every result written once (4 bytes per float), so the intensity is an upper bound and memory-bound kernels
 * that re-read their data sit below the bandwidth roof. Leaves out weight gradients (style transfer needs none),
 * average pooling and the loss reductions.
 */
public final class KernelSuite {
    /** One kernel at one shape: its group (the chart's colour), name, shape, FLOP and compulsory bytes per call. */
    public record Case(String group, String name, String shape, double flop, double bytes,
                       Runnable call) {
        /** FLOP per byte. */
        public double intensity() { return flop / bytes; }
    }

    /** A timed case: median and fastest seconds per call, calls timed. */
    public record Timing(String group, String name, String shape, double flop, double bytes, double medianS, double minS,
                         int reps) {
        public double gflops() { return flop / medianS / 1e9; }
        public double intensity() { return flop / bytes; }
    }

    /** The distinct VGG19 3×3 layers to relu5_1: {inC, outC, downscale}. */
    static final int[][] CONVS = {{3, 64, 1}, {64, 64, 1}, {64, 128, 2}, {128, 128, 2}, {128, 256, 4}, {256, 256, 4},
            {256, 512, 8}, {512, 512, 8}, {512, 512, 16}};
    /** The style layers relu1_1 … relu5_1: {channels, downscale}; also the ReLU widths. */
    static final int[][] STYLE = {{64, 1}, {128, 2}, {256, 4}, {512, 8}, {512, 16}};
    /** The max pools pool1 … pool4: {channels, downscale of their input}. */
    static final int[][] POOLS = {{64, 1}, {128, 2}, {256, 4}, {512, 8}};

    private KernelSuite() {}

    /** The smallest image side the suite accepts: conv5_1 runs at size/16. */
    public static final int MIN_SIZE = 16;

    /** Floats the largest case holds at once at {@code size} (conv1_2 backward: input, output, gradient). */
    public static long peakFloats(int size) {
        return 3L * 64 * size * size + 64 * 64 * 9;
    }

    /**
     * Times every case at a square image of side {@code size} on {@code b}, reporting progress to {@code progress}.
     * Buffers are allocated per case and closed after it, so the peak is one case's working set.
     */
    public static List<Timing> run(Backend b, int size, boolean quick, Consumer<String> progress) {
        Timer timer = quick ? Timer.QUICK : Timer.FULL;
        List<Timing> out = new ArrayList<>();
        for (CaseSpec spec : specs(size)) {
            try (Bufs bufs = new Bufs(b)) {
                Case c = spec.make(b, bufs);
                progress.accept(c.name() + " " + c.shape());
                Buffer any = bufs.all.get(0);
                // sumAbs of one element waits for the call on an asynchronous (OpenCL) backend; next to nothing on the CPU.
                double[] s = timer.sample(() -> { c.call().run(); b.sumAbs(any, 1); });
                out.add(new Timing(c.group(), c.name(), c.shape(), c.flop(), c.bytes(), s[0], s[1], (int) s[2]));
            }
        }
        return out;
    }

    /** The cases at {@code size}, in network order per group (without buffers: {@link CaseSpec#make} allocates). */
    static List<CaseSpec> specs(int size) {
        List<CaseSpec> l = new ArrayList<>();
        for (int[] cv : CONVS) {
            ConvShape s = ConvShape.vgg3x3(cv[0], cv[1], size / cv[2], size / cv[2]);
            String shape = cv[0] + "→" + cv[1] + " @" + s.inH() + "×" + s.inW();
            double flop = 2.0 * s.macs();
            l.add((b, m) -> {
                Buffer in = m.rand(s.inSize()), out = m.alloc(s.outSize()), w = m.rand(s.weightSize()), bias = m.rand(s.outC());
                return new Case("conv forward", "conv2dForward", shape, flop, 4.0 * (s.inSize() + s.outSize() + s.weightSize() + s.outC()),
                        () -> b.conv2dForward(out, in, w, bias, s));
            });
            l.add((b, m) -> {
                Buffer dOut = m.rand(s.outSize()), dIn = m.alloc(s.inSize()), w = m.rand(s.weightSize());
                return new Case("conv backward-data", "conv2dBackwardData", shape, flop, 4.0 * (s.inSize() + s.outSize() + s.weightSize()),
                        () -> b.conv2dBackwardData(dIn, dOut, w, s));
            });
        }
        for (int[] r : STYLE) {
            int h = size / r[1], n = r[0] * h * h;
            String shape = r[0] + " @" + h + "×" + h;
            l.add((b, m) -> {
                Buffer in = m.rand(n), out = m.alloc(n);
                return new Case("relu", "reluForward", shape, n, 8.0 * n, () -> b.reluForward(out, in, n));
            });
            l.add((b, m) -> {
                Buffer dOut = m.rand(n), out = m.rand(n), dIn = m.alloc(n);
                return new Case("relu", "reluBackward", shape, n, 12.0 * n, () -> b.reluBackward(dIn, dOut, out, n));
            });
        }
        for (int[] p : POOLS) {
            int h = size / p[1];
            PoolShape s = new PoolShape(p[0], h, h, 2, 2);
            String shape = p[0] + " @" + h + "×" + h;
            double flop = 3.0 * s.outSize();
            l.add((b, m) -> {
                Buffer in = m.rand(s.inSize()), out = m.alloc(s.outSize());
                return new Case("max pool", "maxPoolForward", shape, flop, 4.0 * (s.inSize() + s.outSize()),
                        () -> b.maxPoolForward(out, in, s));
            });
            l.add((b, m) -> {
                Buffer in = m.rand(s.inSize()), dOut = m.rand(s.outSize()), dIn = m.alloc(s.inSize());
                return new Case("max pool", "maxPoolBackward", shape, flop, 4.0 * (2 * s.inSize() + s.outSize()),
                        () -> b.maxPoolBackward(dIn, dOut, in, s));
            });
        }
        for (int[] r : STYLE) {
            int c = r[0], h = size / r[1], hw = h * h;
            String shape = c + "×" + hw + " (" + h + "×" + h + ")";
            double flop = 2.0 * c * c * hw;
            float scale = 1f / ((float) c * hw);
            l.add((b, m) -> {
                Buffer f = m.rand(c * hw), g = m.alloc(c * c);
                return new Case("gram", "gram", shape, flop, 4.0 * (c * hw + c * c), () -> b.gram(g, f, c, hw, scale));
            });
            l.add((b, m) -> {
                Buffer f = m.rand(c * hw), dG = m.rand(c * c), dF = m.alloc(c * hw);
                // dF += …: dF is read and written.
                return new Case("gram", "gramBackward", shape, flop, 4.0 * (3.0 * c * hw + c * c),
                        () -> b.gramBackward(dF, dG, f, c, hw, scale));
            });
        }
        return l;
    }

    /** Builds one case's buffers and call. */
    @FunctionalInterface
    interface CaseSpec {
        Case make(Backend b, Bufs m);
    }

    /** The buffers of one case, filled from a fixed seed in [−0.5, 0.5), closed together. */
    static final class Bufs implements AutoCloseable {
        final Backend b;
        final List<Buffer> all = new ArrayList<>();
        final SplittableRandom r = new SplittableRandom(1);

        Bufs(Backend b) { this.b = b; }

        Buffer alloc(int n) {
            Buffer x = b.allocate(n);
            b.zero(x);
            all.add(x);
            return x;
        }

        Buffer rand(int n) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() - 0.5);
            Buffer x = b.allocate(n);
            b.upload(x, v);
            all.add(x);
            return x;
        }

        @Override public void close() { all.forEach(Buffer::close); all.clear(); }
    }
}
