package nst.kernels.opencl;

import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Rough wall-clock timings of conv2d forward at a few VGG layer shapes, OpenCL vs the scalar reference, for
 * OPENCL.md. Off by default (-Dnst.opencl.timing=true); not a benchmark (JMH in bench is) and not a claim.
 */
@EnabledIfSystemProperty(named = "nst.opencl.timing", matches = "true")
class OpenClConvTimingTest {

    @Test void convForwardTimings() {
        ConvShape[] shapes = {
                ConvShape.vgg3x3(64, 64, 128, 128),    // conv1_2 at 128 px
                ConvShape.vgg3x3(128, 256, 32, 32),    // conv3_1 at 128 px
                ConvShape.vgg3x3(512, 512, 16, 16),    // conv5_1 at 256 px
        };
        SplittableRandom rnd = new SplittableRandom(1);
        try (OpenClBackend cl = OpenClTestSupport.backend()) {
            ScalarBackend sc = new ScalarBackend();
            System.out.println("device: " + cl.description());
            for (ConvShape s : shapes) {
                float[] in = new float[s.inSize()], w = new float[s.weightSize()], b = new float[s.outC()];
                for (float[] v : new float[][] {in, w, b}) for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
                Buffer ci = cl.allocate(in.length), cw = cl.allocate(w.length), cb = cl.allocate(b.length), co = cl.allocate(s.outSize());
                cl.upload(ci, in);
                cl.upload(cw, w);
                cl.upload(cb, b);
                double[] t = new double[5];
                for (int r = -1; r < t.length; r++) {                         // r = -1: warm-up
                    long t0 = System.nanoTime();
                    cl.conv2dForward(co, ci, cw, cb, s);
                    cl.finish();
                    if (r >= 0) t[r] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(t);
                Buffer si = sc.allocate(in.length), sw = sc.allocate(w.length), sb = sc.allocate(b.length), so = sc.allocate(s.outSize());
                sc.upload(si, in);
                sc.upload(sw, w);
                sc.upload(sb, b);
                long t0 = System.nanoTime();
                sc.conv2dForward(so, si, sw, sb, s);
                double ts = (System.nanoTime() - t0) / 1e9;
                double gflop = 2.0 * s.macs() / 1e9;
                System.out.printf(Locale.ROOT, "conv %dx%d %d->%d: opencl median %.3f s (%.1f GFLOP/s), scalar %.3f s (%.1f GFLOP/s), ratio %.1fx%n",
                        s.inH(), s.inW(), s.inC(), s.outC(), t[2], gflop / t[2], ts, gflop / ts, ts / t[2]);
            }
        }
    }
}
