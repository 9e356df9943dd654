package nst.app.bench;

import nst.kernels.ConvShape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The roofline model and the suite's FLOP and byte counts, against counts made by hand. */
class RooflineTest {
    @Test void roofIsBandwidthBoundBelowTheRidgeAndPeakAbove() {
        double peak = 100, bw = 20;
        assertEquals(5.0, Roofline.ridge(peak, bw), 1e-12);
        assertEquals(20.0, Roofline.attainable(peak, bw, 1), 1e-12);
        assertEquals(100.0, Roofline.attainable(peak, bw, 5), 1e-12);
        assertEquals(100.0, Roofline.attainable(peak, bw, 64), 1e-12);
    }

    @Test void suiteCountsFlopAndBytesAsDocumented() {
        List<KernelSuite.CaseSpec> specs = KernelSuite.specs(64);
        assertEquals(46, specs.size());
        try (nst.kernels.ScalarBackend b = new nst.kernels.ScalarBackend(); KernelSuite.Bufs m = new KernelSuite.Bufs(b)) {
            // conv1_2 at 64 px: 64 output channels × 64² positions × 64 inputs × 9 taps multiply-adds.
            KernelSuite.Case conv = specs.get(2).make(b, m);
            assertEquals("64→64 @64×64", conv.shape());
            assertEquals(2.0 * 64 * 64 * 64 * 64 * 9, conv.flop());
            assertEquals(4.0 * (64 * 64 * 64 * 2 + 64 * 64 * 9 + 64), conv.bytes());
            assertEquals(2.0 * ConvShape.vgg3x3(64, 64, 64, 64).macs(), conv.flop());
            // relu1_1's Gram: c = 64, hw = 64²: 2·c²·hw FLOP over F and G.
            KernelSuite.Case gram = specs.get(36).make(b, m);
            assertEquals("gram", gram.name());
            assertEquals(2.0 * 64 * 64 * 4096, gram.flop());
            assertEquals(4.0 * (64 * 4096 + 64 * 64), gram.bytes());
            // pool1: 64 channels, 32² windows of 3 comparisons.
            KernelSuite.Case pool = specs.get(28).make(b, m);
            assertEquals("maxPoolForward", pool.name());
            assertEquals(3.0 * 64 * 32 * 32, pool.flop());
        }
    }
}
