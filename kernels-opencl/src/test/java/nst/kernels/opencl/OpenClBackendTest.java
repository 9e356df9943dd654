package nst.kernels.opencl;

import nst.kernels.Backend;
import nst.kernels.BackendConformanceTest;
import nst.kernels.Buffer;
import nst.kernels.ConvShape;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every op of the OpenCL backend against the scalar reference (the shared conformance suite), plus the paths
 * the suite does not force: float partial sums, backward-data through the general kernel, a VGG-sized layer.
 * Skips without an OpenCL device unless -Dnst.require.opencl=true.
 */
class OpenClBackendTest extends BackendConformanceTest {

    private static OpenClRuntime rt;
    private static ClDevice device;

    @BeforeAll static void requireOpenCl() {
        rt = OpenClTestSupport.runtimeOrSkip();
        device = OpenClTestSupport.device(rt);
        System.out.println("OpenCL conformance on " + device.describe());
    }

    @Override protected Backend createBackend() {
        return new OpenClBackend(rt, device);
    }

    @Test void reductionsWithFloatPartials() {
        try (OpenClBackend f32 = new OpenClBackend(rt, device, false)) {
            for (int n : new int[] {1, 63, 64, 65, 1000, 100003, 1 << 20}) {
                float[] a = random(n), b = random(n);
                // float partials over at most 8192 items each, summed on the host in double
                Tolerance t = new Tolerance("float partial sums", 1e-6, 1e-5);
                t.assertClose("f32 sumSquaredDifference n=" + n, f32.sumSquaredDifference(put(f32, a), put(f32, b), n),
                        ref.sumSquaredDifference(put(ref, a), put(ref, b), n));
                t.assertClose("f32 sumAbs n=" + n, f32.sumAbs(put(f32, a), n), ref.sumAbs(put(ref, a), n));
            }
        }
    }

    /**
     * Sums of 1152 (backward: 128·9) float32 products reach |value| ≈ 40, so outputs near zero carry absolute
     * rounding of ~1e-5·√K against the double-accumulating reference: the absolute tolerance scales with that.
     */
    private static final Tolerance DEEP_SUM = new Tolerance("float32 sum over ~1000 products vs double reference", 2e-4, 2e-4);

    @Test void vggSizedLayerForwardAndBackward() {
        ConvShape s = ConvShape.vgg3x3(64, 128, 56, 40);
        float[] in = random(s.inSize()), w = random(s.weightSize()), bias = random(s.outC()), dOut = random(s.outSize());
        Buffer out = fast.allocate(s.outSize()), rOut = ref.allocate(s.outSize());
        fast.conv2dForward(out, put(fast, in), put(fast, w), put(fast, bias), s);
        ref.conv2dForward(rOut, put(ref, in), put(ref, w), put(ref, bias), s);
        DEEP_SUM.assertClose("conv2dForward " + s, get(fast, out), get(ref, rOut));
        Buffer dIn = fast.allocate(s.inSize()), rdIn = ref.allocate(s.inSize());
        fast.conv2dBackwardData(dIn, put(fast, dOut), put(fast, w), s);
        ref.conv2dBackwardData(rdIn, put(ref, dOut), put(ref, w), s);
        DEEP_SUM.assertClose("conv2dBackwardData " + s, get(fast, dIn), get(ref, rdIn));
    }

    @Test void backwardDataWithWidePaddingTakesTheGeneralPath() {
        ConvShape s = new ConvShape(3, 5, 6, 4, 3, 3, 1, 1, 3, 3);   // padding 3: no flipped tiled form
        float[] dOut = random(s.outSize()), w = random(s.weightSize()), d0 = random(s.inSize());
        Buffer dIn = put(fast, d0), rdIn = put(ref, d0);
        fast.conv2dBackwardData(dIn, put(fast, dOut), put(fast, w), s);
        ref.conv2dBackwardData(rdIn, put(ref, dOut), put(ref, w), s);
        Tolerance.KERNEL_F32.assertClose("conv2dBackwardData " + s, get(fast, dIn), get(ref, rdIn));
    }
}
