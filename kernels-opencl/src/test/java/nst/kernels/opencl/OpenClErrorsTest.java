package nst.kernels.opencl;

import nst.kernels.Backend;
import nst.kernels.Backends;
import nst.kernels.Buffer;
import nst.kernels.DeviceException;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * How the OpenCL backend fails: a missing loader (simulated by a bogus library name), a kernel that does not
 * compile (the driver's build log must reach the message), device errors as DeviceException, buffers that
 * must be released. The first and the error-mapping tests need no OpenCL at all; the rest skip without it.
 */
class OpenClErrorsTest {

    /** Runs {@code body} with the loader pointed at a library that does not exist, then restores it. */
    private static void withMissingLibrary(Runnable body) {
        String saved = OpenClRuntime.libraryName;
        OpenClRuntime.libraryName = "libOpenCL-nst-test-missing.so.1";
        OpenClRuntime.reset();
        try {
            body.run();
        } finally {
            OpenClRuntime.libraryName = saved;
            OpenClRuntime.reset();
        }
    }

    @Test void missingLoaderSaysWhatToInstall() {
        OpenClUnavailableException e = assertThrows(OpenClUnavailableException.class, () -> Cl.load("libOpenCL-nst-test-missing.so.1"));
        assertTrue(e.getMessage().contains("libOpenCL-nst-test-missing.so.1") && e.getMessage().contains("ocl-icd-libopencl1")
                && e.getMessage().contains("pocl-opencl-icd"), e.getMessage());
    }

    @Test void explicitOpenclWithoutLoaderIsAnIllegalArgument() {
        withMissingLibrary(() -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("opencl", 1, null));
            assertTrue(e.getMessage().contains("backend 'opencl' is not available") && e.getMessage().contains("ocl-icd-libopencl1"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Backends.create("opencl:0", 1, null));
        });
    }

    @Test void autoWithoutLoaderFallsBackWithANotice() {
        withMissingLibrary(() -> {
            List<String> notices = new ArrayList<>();
            try (Backend b = Backends.create("auto", 1, notices::add)) {
                assertNotEquals("opencl", b.name());
            }
            assertTrue(notices.stream().anyMatch(n -> n.startsWith("backend opencl skipped") && n.contains("ocl-icd-libopencl1")),
                    notices.toString());
            assertTrue(Backends.report().stream().anyMatch(l -> l.startsWith("opencl") && l.contains("unavailable")),
                    String.join("\n", Backends.report()));
        });
    }

    @Test void deviceErrorsBecomeDeviceExceptionNamingTheOp() {
        RuntimeException oom = OpenClBackend.translate("conv2dForward", "Some GPU",
                new ClException("clEnqueueNDRangeKernel(conv3x3_tiled)", Cl.CL_OUT_OF_RESOURCES));
        DeviceException d = assertInstanceOf(DeviceException.class, oom);
        assertEquals("conv2dForward", d.op());
        assertTrue(d.getMessage().contains("conv2dForward") && d.getMessage().contains("CL_OUT_OF_RESOURCES (-5)")
                && d.getMessage().contains("Some GPU"), d.getMessage());
        assertInstanceOf(DeviceException.class, OpenClBackend.translate("allocate", "g",
                new ClException("clCreateBuffer", Cl.CL_MEM_OBJECT_ALLOCATION_FAILURE)));
        RuntimeException other = OpenClBackend.translate("gemm", "g", new ClException("clSetKernelArg(gemm_tiled, 3)", -51));
        ClException c = assertInstanceOf(ClException.class, other);
        assertTrue(c.getMessage().contains("gemm") && c.getMessage().contains("CL_INVALID_ARG_SIZE"), c.getMessage());
    }

    @Test void badKernelSourceReportsTheBuildLog() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        ClDevice d = OpenClTestSupport.device(rt);
        ClException e = assertThrows(ClException.class, () -> rt.compileForTest(d,
                "__kernel void broken(__global float* a) { a[0] = nst_undefined_identifier; }"));
        assertEquals(Cl.CL_BUILD_PROGRAM_FAILURE, e.code());
        assertTrue(e.getMessage().contains("clBuildProgram") && e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE")
                && e.getMessage().contains("nst_undefined_identifier"), e.getMessage());
    }

    @Test void buffersAreReleasedByCloseAndByTheBackend() {
        OpenClBackend b = OpenClTestSupport.backend();
        try {
            Buffer x = b.allocate(100), y = b.allocate(0), z = b.allocate(7);
            assertEquals(3, b.liveBuffers());
            x.close();
            x.close();                                   // idempotent
            assertEquals(2, b.liveBuffers());
            try (Buffer t = b.allocate(5)) {
                assertEquals(3, b.liveBuffers());
                assertEquals(5, t.length());
            }
            assertEquals(2, b.liveBuffers());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.zero(x));
            assertTrue(e.getMessage().contains("after close"), e.getMessage());
            assertEquals(0, y.length());
            b.zero(z);
        } finally {
            b.close();
        }
        assertEquals(0, b.liveBuffers());
        assertThrows(IllegalStateException.class, () -> b.allocate(1));
    }

    @Test void foreignBuffersAreRejected() {
        try (OpenClBackend b = OpenClTestSupport.backend(); OpenClBackend other = OpenClTestSupport.backend()) {
            Buffer mine = b.allocate(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.copy(mine, new ScalarBackend().allocate(4)));
            assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.zero(other.allocate(4)));
        }
    }

    @Test void oversizedAllocationIsADeviceException() {
        try (OpenClBackend b = OpenClTestSupport.backend()) {
            assumeTooLarge(b);
            DeviceException e = assertThrows(DeviceException.class, () -> b.allocate(Integer.MAX_VALUE));
            assertEquals("allocate", e.op());
            assertTrue(e.getMessage().contains("largest buffer"), e.getMessage());
        }
    }

    private static void assumeTooLarge(OpenClBackend b) {
        org.junit.jupiter.api.Assumptions.assumeTrue(b.device.maxAllocBytes() < (long) Integer.MAX_VALUE * Float.BYTES,
                "device can allocate 8 GiB in one buffer; nothing to test");
    }
}
