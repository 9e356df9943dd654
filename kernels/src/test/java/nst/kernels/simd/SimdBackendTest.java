package nst.kernels.simd;

import nst.kernels.Backend;
import nst.kernels.BackendConformanceTest;
import nst.kernels.Backends;
import nst.kernels.Tolerance;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
