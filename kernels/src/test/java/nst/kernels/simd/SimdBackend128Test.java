package nst.kernels.simd;

import nst.kernels.Backend;
import nst.kernels.BackendConformanceTest;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conformance suite on forced 128-bit vectors (micro-kernel 6 × 8). The width is fixed per JVM, so
 * kernels/pom.xml runs this class alone in a second surefire execution with {@code -Dnst.simd.species=128}.
 * Leaves out other widths (256 is the same code as 128 with a wider species).
 */
class SimdBackend128Test extends BackendConformanceTest {

    @BeforeAll static void speciesIsForced() {
        assertEquals(128, Vec.F.vectorBitSize(), "run with -Dnst.simd.species=128 (kernels/pom.xml execution species-128)");
    }

    @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.GEMM); }

    @Nested class Winograd128 extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }

    @Nested class Winograd4x4128 extends BackendConformanceTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD4); }
        @Override protected Tolerance convTolerance() { return Tolerance.KERNEL_F32_LOOSE; }
    }
}
