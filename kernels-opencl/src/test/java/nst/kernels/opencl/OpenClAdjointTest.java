package nst.kernels.opencl;

import nst.kernels.AdjointPropertiesTest;
import nst.kernels.Backend;
import org.junit.jupiter.api.BeforeAll;

/** The adjoint properties on the OpenCL backend. Skips without an OpenCL device unless OpenCL is required. */
class OpenClAdjointTest extends AdjointPropertiesTest {
    private static OpenClRuntime rt;

    @BeforeAll static void requireOpenCl() { rt = OpenClTestSupport.runtimeOrSkip(); }

    @Override protected Backend createBackend() { return new OpenClBackend(rt, OpenClTestSupport.device(rt)); }
}
