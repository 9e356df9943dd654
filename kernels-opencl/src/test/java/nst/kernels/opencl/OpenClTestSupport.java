package nst.kernels.opencl;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Skip-or-fail for tests that need a real OpenCL device: they skip (with the reason) when there is no loader or
 * device, unless {@code -Dnst.require.opencl=true} or {@code NST_REQUIRE_OPENCL=true} (CI, after installing PoCL), where absence is a failure.
 * {@code -Dnst.opencl.device=N} picks the device; default: first GPU, else first device.
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    static final boolean REQUIRED = Boolean.getBoolean("nst.require.opencl") || "true".equals(System.getenv("NST_REQUIRE_OPENCL"));

    /** The runtime with at least one device, or the test is skipped (or fails when OpenCL is required). */
    static OpenClRuntime runtimeOrSkip() {
        String why;
        OpenClRuntime rt = null;
        try {
            rt = OpenClRuntime.get();
            why = rt.noDeviceReason();
        } catch (OpenClUnavailableException e) {
            why = e.getMessage();
        }
        if (why != null) {
            if (REQUIRED) fail("nst.require.opencl=true but OpenCL is unusable: " + why);
            Assumptions.abort("OpenCL not available, skipping (set -Dnst.require.opencl=true to fail instead): " + why);
        }
        return rt;
    }

    static ClDevice device(OpenClRuntime rt) {
        return OpenClBackend.select(rt.devices, System.getProperty("nst.opencl.device"));
    }

    static OpenClBackend backend() {
        OpenClRuntime rt = runtimeOrSkip();
        return new OpenClBackend(rt, device(rt));
    }
}
