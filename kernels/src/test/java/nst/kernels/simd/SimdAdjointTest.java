package nst.kernels.simd;

import nst.kernels.AdjointPropertiesTest;
import nst.kernels.Backend;
import org.junit.jupiter.api.Nested;

/** The adjoint properties on the SIMD backend: automatic algorithm choice, then GEMM, Winograd F(2×2) and F(4×4) forced. */
class SimdAdjointTest extends AdjointPropertiesTest {
    @Override protected Backend createBackend() { return new SimdBackend(2); }

    @Nested class ForcedGemm extends AdjointPropertiesTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.GEMM); }
    }

    @Nested class ForcedWinograd extends AdjointPropertiesTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD); }
    }

    @Nested class ForcedWinograd4 extends AdjointPropertiesTest {
        @Override protected Backend createBackend() { return new SimdBackend(2, SimdBackend.ConvAlgorithm.WINOGRAD4); }
    }
}
