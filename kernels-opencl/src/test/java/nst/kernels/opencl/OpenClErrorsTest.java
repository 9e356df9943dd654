package nst.kernels.opencl;

import nst.kernels.Backend;
import nst.kernels.Backends;
import nst.kernels.Buffer;
import nst.kernels.DeviceException;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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
            e = assertThrows(IllegalArgumentException.class, () -> Backends.create("opencl:0", 1, null));
            assertTrue(e.getMessage().contains("backend 'opencl") && e.getMessage().contains("not available"), e.getMessage());
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

    @Test void failedProgramBuildReleasesItsContextAndIsRemembered() {
        OpenClRuntime shared = OpenClTestSupport.runtimeOrSkip();
        int index = OpenClTestSupport.device(shared).index();
        OpenClRuntime rt = OpenClRuntime.withSourceForTest(
                "__kernel void broken(__global float* a) { a[0] = nst_undefined_identifier; }");
        ClDevice d = rt.devices.get(index);
        long t0 = System.nanoTime();
        ClException first = assertThrows(ClException.class, () -> rt.program(d));
        long t1 = System.nanoTime();
        assertEquals(Cl.CL_BUILD_PROGRAM_FAILURE, first.code());
        assertTrue(first.getMessage().contains("nst_undefined_identifier") && first.getMessage().contains(d.name()),
                first.getMessage());
        assertEquals(0, rt.liveContexts(), "the context created for the failed build must be released");
        ClException again = assertThrows(ClException.class, () -> rt.program(d));
        long t2 = System.nanoTime();
        assertEquals(first.getMessage(), again.getMessage(), "a retry reports the same error");
        assertEquals(Cl.CL_BUILD_PROGRAM_FAILURE, again.code());
        assertEquals(1, rt.contextsCreated(), "a retry must not create a context and recompile");
        assertEquals(0, rt.liveContexts());
        System.out.printf("failed build: first %.1f ms, retry %.3f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
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

    /**
     * A releaser that really releases (so the test leaks nothing) and then reports CL_OUT_OF_RESOURCES for every
     * call whose number is in {@code failing}, as the calls after a lost device do; it counts calls per kind.
     */
    private static OpenClBackend.Releaser lostDevice(Map<OpenClBackend.Handle, Integer> calls, int... failing) {
        int[] n = {0};
        return (cl, kind, h) -> {
            OpenClBackend.Releaser.CL.release(cl, kind, h);
            calls.merge(kind, 1, Integer::sum);
            int call = n[0]++;
            for (int f : failing) if (f == call) throw new ClException("clRelease" + kind, Cl.CL_OUT_OF_RESOURCES);
        };
    }

    @Test void closeReleasesEveryHandleWhenSomeReleasesFail() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        ClDevice d = OpenClTestSupport.device(rt);
        Map<OpenClBackend.Handle, Integer> calls = new EnumMap<>(OpenClBackend.Handle.class);
        OpenClBackend b = new OpenClBackend(rt, d, d.fp64(), lostDevice(calls, 0, 2, 5));   // the first buffer fails
        b.allocate(10);
        b.allocate(20);
        b.allocate(30);
        DeviceException e = assertThrows(DeviceException.class, b::close);
        assertEquals("close", e.op());
        assertTrue(e.getMessage().contains(d.name()) && e.getMessage().contains("CL_OUT_OF_RESOURCES")
                && e.getMessage().contains("2 more of"), e.getMessage());
        assertEquals(2, e.getSuppressed().length, "the other two failures are attached");
        // every handle was attempted once: 3 buffers + the partial sums, each kernel, the queue
        assertEquals(4, calls.get(OpenClBackend.Handle.MEM), calls.toString());
        assertEquals(OpenClBackend.KERNELS.size() + (d.fp64() ? 2 : 0), calls.get(OpenClBackend.Handle.KERNEL), calls.toString());
        assertEquals(1, calls.get(OpenClBackend.Handle.QUEUE), calls.toString());
        assertEquals(0, b.liveBuffers());
        b.close();                                      // already closed: nothing is released twice
        assertEquals(4, calls.get(OpenClBackend.Handle.MEM));
    }

    @Test void failedBufferCloseNamesTheDeviceAndIsNotRetried() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        ClDevice d = OpenClTestSupport.device(rt);
        Map<OpenClBackend.Handle, Integer> calls = new EnumMap<>(OpenClBackend.Handle.class);
        try (OpenClBackend b = new OpenClBackend(rt, d, d.fp64(), lostDevice(calls, 0))) {
            Buffer x = b.allocate(10);
            DeviceException e = assertThrows(DeviceException.class, x::close);
            assertEquals("Buffer.close", e.op());
            assertTrue(e.getMessage().contains(d.name()), e.getMessage());
            assertEquals(0, b.liveBuffers(), "a buffer whose release failed is gone all the same");
            x.close();
        }
        assertEquals(2, calls.get(OpenClBackend.Handle.MEM), "x once, then the partial sums: " + calls);
    }

    @Test void failedConstructionReleasesWhatItMadeAndReportsTheFirstError() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        ClDevice d = OpenClTestSupport.device(rt);
        Map<OpenClBackend.Handle, Integer> calls = new EnumMap<>(OpenClBackend.Handle.class);
        ClException e = assertThrows(ClException.class, () -> new OpenClBackend(rt, d, d.fp64(),
                lostDevice(calls, 0), List.of("nst_no_such_kernel")));          // and the first clean-up release fails
        assertEquals(-46, e.code(), "CL_INVALID_KERNEL_NAME, not the failed release: " + e.getMessage());
        assertTrue(e.getMessage().contains("opencl create on " + d.name()) && e.getMessage().contains("nst_no_such_kernel"),
                e.getMessage());
        assertEquals(1, e.getSuppressed().length, "the failed release is attached");
        assertEquals(OpenClBackend.KERNELS.size() + (d.fp64() ? 2 : 0), calls.get(OpenClBackend.Handle.KERNEL), calls.toString());
        assertEquals(1, calls.get(OpenClBackend.Handle.QUEUE), "the queue is released after a failed kernel release: " + calls);
    }

    @Test void finishAfterCloseIsRefusedNotSentToTheReleasedQueue() {
        OpenClBackend b = OpenClTestSupport.backend();
        b.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::finish);
        assertTrue(e.getMessage().contains("after close"), e.getMessage());
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
