package nst.kernels.simd;

import nst.kernels.Backend;
import nst.kernels.BackendConformanceTest;
import nst.kernels.Backends;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD backend against the scalar reference (all of {@link BackendConformanceTest}), with default
 * threads and automatic algorithm choice; the nested classes rerun the suite on 1 thread, on 3 threads
 * (more than this machine's cores), and with each convolution algorithm forced. The 128-bit species runs in
 * its own JVM ({@link SimdBackend128Test}). Leaves out timing.
 */
class SimdBackendTest extends BackendConformanceTest {

    @Override protected Backend createBackend() { return new SimdBackend(0); }

    /** Auto may pick Winograd for the ≥64-channel shapes. */
    @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }

    @Test void providerIsFoundAndNamed() {
        try (Backend b = Backends.create("simd", 2, null)) {
            assertEquals("simd", b.name());
            assertTrue(b.description().contains("2 threads"), b.description());
        }
    }

    /** Rewriting a weight buffer through the backend must drop its cached packed/Winograd forms. */
    @Test void weightCacheFollowsUploads() {
        for (SimdBackend.ConvAlgorithm alg : SimdBackend.ConvAlgorithm.values()) {
            try (Backend b = new SimdBackend(2, alg)) {
                ConvShape s = ConvShape.vgg3x3(64, 64, 32, 32);
                Buffer in = put(b, random(s.inSize())), w = put(b, random(s.weightSize())), out = b.allocate(s.outSize());
                b.conv2dForward(out, in, w, null, s);
                float[] w2 = random(s.weightSize());
                b.upload(w, w2);
                b.conv2dForward(out, in, w, null, s);
                Buffer refOut = ref.allocate(s.outSize());
                ref.conv2dForward(refOut, put(ref, get(b, in)), put(ref, w2), null, s);
                Tolerance.KERNEL_F32_LOOSE.assertClose("conv after weight upload " + alg, get(b, out), get(ref, refOut));
            }
        }
    }

    /**
     * The direct path for ≤ 4 output channels (chosen by auto): forward with bias and backward-data into ≤ 4
     * input channels (conv1_1's gradient to the image), on odd widths, widths below and across the 2·VL chunk,
     * 1×1 images and accumulation into a non-zero dIn.
     */
    @Test void directPathForFewOutputChannels() {
        ConvShape[] forward = {ConvShape.vgg3x3(64, 3, 37, 29), ConvShape.vgg3x3(5, 1, 1, 1), ConvShape.vgg3x3(17, 4, 9, 33),
                ConvShape.vgg3x3(3, 2, 16, 17), ConvShape.vgg3x3(1, 3, 3, 2)};
        ConvShape[] backward = {ConvShape.vgg3x3(3, 64, 19, 23), ConvShape.vgg3x3(1, 5, 1, 1), ConvShape.vgg3x3(4, 17, 33, 9),
                ConvShape.vgg3x3(3, 64, 32, 32)};
        try (SimdBackend b = new SimdBackend(2, SimdBackend.ConvAlgorithm.AUTO)) {
            for (ConvShape s : forward) {
                assertTrue(b.useDirect(s), s.toString());
                float[] in = random(s.inSize()), w = random(s.weightSize()), bias = random(s.outC());
                Buffer out = put(b, random(s.outSize())), rOut = ref.allocate(s.outSize());
                b.conv2dForward(out, put(b, in), put(b, w), put(b, bias), s);
                ref.conv2dForward(rOut, put(ref, in), put(ref, w), put(ref, bias), s);
                Tolerance.KERNEL_F32.assertClose("direct forward " + s, get(b, out), get(ref, rOut));
            }
            for (ConvShape s : backward) {
                assertTrue(b.useDirect(ConvGemm.transposedShape(s)), s.toString());
                float[] dOut = random(s.outSize()), w = random(s.weightSize()), start = random(s.inSize());
                Buffer dIn = put(b, start), rDIn = put(ref, start);
                b.conv2dBackwardData(dIn, put(b, dOut), put(b, w), s);
                ref.conv2dBackwardData(rDIn, put(ref, dOut), put(ref, w), s);
                float[] fd = get(b, dIn), rd = get(ref, rDIn);
                System.out.printf("error DIRECT    %-55s backward-data max abs %.2e max rel %.2e%n", s, Tolerance.maxAbsDiff(fd, rd), maxRel(fd, rd));
                Tolerance.KERNEL_F32.assertClose("direct backward-data " + s, fd, rd);
            }
        }
    }

    /**
     * Planes wide enough that whole lane blocks of F(4×4) tiles lie inside the image (the vector-gather input path,
     * which the small conformance shapes never reach), with odd sizes so edge tiles mix in: forward with bias, and
     * backward-data accumulating into a non-zero dIn, for each Winograd tile size.
     */
    @Test void winogradOnWidePlanesWithOddSizes() {
        ConvShape[] shapes = {ConvShape.vgg3x3(5, 7, 45, 70), ConvShape.vgg3x3(9, 6, 67, 131), ConvShape.vgg3x3(4, 5, 21, 140)};
        for (SimdBackend.ConvAlgorithm alg : new SimdBackend.ConvAlgorithm[] {SimdBackend.ConvAlgorithm.WINOGRAD, SimdBackend.ConvAlgorithm.WINOGRAD4}) {
            try (SimdBackend b = new SimdBackend(2, alg)) {
                for (ConvShape s : shapes) {
                    float[] in = random(s.inSize()), w = random(s.weightSize()), bias = random(s.outC()), dOut = random(s.outSize()), start = random(s.inSize());
                    Buffer out = b.allocate(s.outSize()), rOut = ref.allocate(s.outSize());
                    b.conv2dForward(out, put(b, in), put(b, w), put(b, bias), s);
                    ref.conv2dForward(rOut, put(ref, in), put(ref, w), put(ref, bias), s);
                    Tolerance.KERNEL_F32_LOOSE.assertClose(alg + " forward " + s, get(b, out), get(ref, rOut));
                    Buffer dIn = put(b, start), rDIn = put(ref, start);
                    b.conv2dBackwardData(dIn, put(b, dOut), put(b, w), s);
                    ref.conv2dBackwardData(rDIn, put(ref, dOut), put(ref, w), s);
                    Tolerance.KERNEL_F32_LOOSE.assertClose(alg + " backward-data " + s, get(b, dIn), get(ref, rDIn));
                }
            }
        }
    }

    /**
     * The auto table for VGG19's 3×3 layers (KERNELS.md): implicit GEMM for the RGB layer's forward, direct for its
     * backward, F(2×2) for the 64-channel layers, F(4×4) from 128 channels on both sides; forcing an algorithm
     * overrides it for every 3×3 stride-1 layer.
     */
    @Test void autoPicksTheAlgorithmPerLayer() {
        try (SimdBackend auto = new SimdBackend(2, SimdBackend.ConvAlgorithm.AUTO);
             SimdBackend f2 = new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD);
             SimdBackend f4 = new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD4)) {
            ConvShape rgb = ConvShape.vgg3x3(3, 64, 512, 512);
            assertFalse(auto.useWinograd(rgb));
            assertTrue(auto.useDirect(ConvGemm.transposedShape(rgb)));
            for (ConvShape s : new ConvShape[] {ConvShape.vgg3x3(64, 64, 512, 512), ConvShape.vgg3x3(64, 128, 256, 256)}) {
                assertTrue(auto.useWinograd(s), s.toString());
                assertFalse(auto.useWinograd4(s), s.toString());
            }
            for (ConvShape s : new ConvShape[] {ConvShape.vgg3x3(128, 128, 256, 256), ConvShape.vgg3x3(128, 256, 128, 128),
                    ConvShape.vgg3x3(512, 512, 32, 32)}) {
                assertTrue(auto.useWinograd4(s), s.toString());
            }
            assertFalse(auto.useWinograd4(ConvShape.vgg3x3(512, 512, 8, 8)), "below 16x16 pixels auto keeps implicit GEMM");
            assertFalse(f2.useWinograd4(ConvShape.vgg3x3(512, 512, 64, 64)));
            assertTrue(f2.useWinograd(rgb));
            assertTrue(f4.useWinograd4(rgb));
            assertTrue(f4.useWinograd4(ConvShape.vgg3x3(5, 7, 13, 11)));
        }
    }

    /**
     * ResNet-50's other conv kinds (7×7/2 stem, 1×1/1, 1×1/2, 3×3/2) must never reach the 3×3 stride-1 paths
     * (Winograd, direct), even with Winograd forced: they run as implicit GEMM, strided backward as im2col.
     * Their values are checked in the conformance suite.
     */
    @Test void resNetShapesTakeTheGeneralPaths() {
        ConvShape[] shapes = {new ConvShape(3, 67, 45, 64, 7, 7, 2, 2, 3, 3), new ConvShape(64, 17, 12, 3, 1, 1, 1, 1, 0, 0),
                new ConvShape(256, 17, 12, 512, 1, 1, 2, 2, 0, 0), new ConvShape(128, 17, 12, 4, 3, 3, 2, 2, 1, 1),
                new ConvShape(128, 64, 64, 128, 3, 3, 2, 2, 1, 1)};
        for (SimdBackend.ConvAlgorithm algo : SimdBackend.ConvAlgorithm.values()) {
            try (SimdBackend b = new SimdBackend(2, algo)) {
                for (ConvShape s : shapes) {
                    assertFalse(b.useWinograd(s), algo + " " + s);
                    assertFalse(b.useWinograd4(s), algo + " " + s);
                    assertFalse(b.useDirect(s), algo + " " + s);
                }
                assertFalse(ConvGemm.backwardAsForward(shapes[0]), "a strided backward is not a stride-1 forward");
                assertTrue(ConvGemm.backwardAsForward(shapes[1]), "a 1x1/1 backward is the forward of the transposed kernel");
            }
        }
    }

    /**
     * A whole transfer is reproducible bit for bit only if every kernel is: the dot-product Gram sums per-slot
     * partials in slot order, whichever worker ran a slot. Threads that finish at different times (3 workers on
     * a shared machine) would change the order if the partials followed the workers, as they once did.
     */
    @Test void gramIsTheSameBitsOnEveryRun() {
        int c = 64, hw = 64 * 1024 + 5;
        float[] f = random(c * hw);
        try (SimdBackend b = new SimdBackend(3, SimdBackend.ConvAlgorithm.AUTO)) {
            Buffer fb = put(b, f), g = b.allocate(c * c);
            b.gram(g, fb, c, hw, 1f / hw);
            float[] first = get(b, g);
            for (int run = 0; run < 30; run++) {
                b.gram(g, fb, c, hw, 1f / hw);
                assertArrayEquals(first, get(b, g), "rerun " + (run + 1) + " differs from the first run");
            }
        }
    }

    /**
     * VGG channel counts at small spatial size: prints the max abs / rel error of each algorithm against the
     * scalar reference (figures quoted in KERNELS.md) and checks them.
     */
    @Test void vggShapesErrorReport() {
        ConvShape[] shapes = {ConvShape.vgg3x3(3, 64, 32, 32), ConvShape.vgg3x3(64, 64, 32, 32),
                ConvShape.vgg3x3(128, 256, 16, 16), ConvShape.vgg3x3(256, 256, 16, 16), ConvShape.vgg3x3(512, 512, 8, 8)};
        for (ConvShape s : shapes) {
            float[] in = random(s.inSize()), w = random(s.weightSize()), dOut = random(s.outSize());
            for (int i = 0; i < w.length; i++) w[i] *= (float) Math.sqrt(2.0 / (9 * s.inC()));     // He-scaled like VGG
            Buffer rOut = ref.allocate(s.outSize()), rDIn = ref.allocate(s.inSize());
            ref.conv2dForward(rOut, put(ref, in), put(ref, w), null, s);
            ref.conv2dBackwardData(rDIn, put(ref, dOut), put(ref, w), s);
            for (SimdBackend.ConvAlgorithm alg : new SimdBackend.ConvAlgorithm[] {SimdBackend.ConvAlgorithm.GEMM, SimdBackend.ConvAlgorithm.WINOGRAD,
                    SimdBackend.ConvAlgorithm.WINOGRAD4}) {
                try (Backend b = new SimdBackend(2, alg)) {
                    Buffer out = b.allocate(s.outSize()), dIn = b.allocate(s.inSize());
                    b.conv2dForward(out, put(b, in), put(b, w), null, s);
                    b.conv2dBackwardData(dIn, put(b, dOut), put(b, w), s);
                    float[] fo = get(b, out), fd = get(b, dIn), ro = get(ref, rOut), rd = get(ref, rDIn);
                    System.out.printf("error %-9s %-55s forward max abs %.2e max rel %.2e | backward-data max abs %.2e max rel %.2e%n",
                            alg, s, Tolerance.maxAbsDiff(fo, ro), maxRel(fo, ro), Tolerance.maxAbsDiff(fd, rd), maxRel(fd, rd));
                    Tolerance t = alg == SimdBackend.ConvAlgorithm.GEMM ? Tolerance.KERNEL_F32 : Tolerance.KERNEL_F32_LOOSE;
                    t.assertClose("forward " + alg + " " + s, fo, ro);
                    t.assertClose("backward-data " + alg + " " + s, fd, rd);
                }
            }
        }
    }

    /** max |a − b| / max(|b|, 1e-3): relative error that ignores values near zero. */
    private static double maxRel(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
        return m;
    }

    @Nested class OneThread extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(1); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }

    @Nested class ThreeThreads extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(3); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }

    @Nested class ForcedGemm extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.GEMM); }
    }

    @Nested class ForcedWinograd extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }

    /** F(4×4,3×3) on every conformance shape, odd sizes (H, W not multiples of 4) included. */
    @Nested class ForcedWinograd4 extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD4); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }
}
