package nst.kernels.opencl;

import nst.kernels.Backend;
import nst.kernels.BackendProvider;
import nst.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Device selection rules: {@code opencl} = first GPU else first device, {@code opencl:N} = flat index, and auto
 * only takes OpenCL when a GPU exists. The rule tests use made-up device lists; the last ones ask the real
 * machine (skipping without OpenCL).
 */
class OpenClSelectionTest {

    private static ClDevice fake(int index, long type, String name) {
        return new ClDevice(index, "platform", "OpenCL 3.0", name, type, 1L << 30, 1L << 28, 4, 256, "OpenCL 3.0", true,
                MemorySegment.NULL, MemorySegment.NULL);
    }

    private static final ClDevice CPU0 = fake(0, Cl.CL_DEVICE_TYPE_CPU, "cpu0");
    private static final ClDevice GPU1 = fake(1, Cl.CL_DEVICE_TYPE_GPU, "gpu1");
    private static final ClDevice GPU2 = fake(2, Cl.CL_DEVICE_TYPE_GPU, "gpu2");

    @Test void plainOpenclPrefersTheFirstGpu() {
        assertSame(GPU1, OpenClBackend.select(List.of(CPU0, GPU1, GPU2), null));
        assertSame(GPU1, OpenClBackend.select(List.of(CPU0, GPU1, GPU2), ""));
        assertSame(CPU0, OpenClBackend.select(List.of(CPU0), null));
    }

    @Test void indexPicksFromTheFlatList() {
        assertSame(CPU0, OpenClBackend.select(List.of(CPU0, GPU1, GPU2), "0"));
        assertSame(GPU2, OpenClBackend.select(List.of(CPU0, GPU1, GPU2), "2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenClBackend.select(List.of(CPU0, GPU1), "5"));
        assertTrue(e.getMessage().contains("opencl:N with N from 0 to 1") && e.getMessage().contains("gpu1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenClBackend.select(List.of(CPU0), "gpu"));
        assertTrue(e.getMessage().contains("no OpenCL device 'gpu'") && e.getMessage().contains("N from 0 to 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenClBackend.select(List.of(), null));
        assertEquals("no OpenCL device found", e.getMessage());
    }

    @Test void autoTakesOpenclOnlyWithAGpu() {
        assertNull(OpenClBackend.autoSkipReason(List.of(CPU0, GPU1)));
        String why = OpenClBackend.autoSkipReason(List.of(CPU0));
        assertNotNull(why);
        assertTrue(why.contains("no OpenCL GPU") && why.contains("CPU cpu0"), why);
        assertNotNull(OpenClBackend.autoSkipReason(List.of(fake(0, Cl.CL_DEVICE_TYPE_ACCELERATOR, "fpga"))));
    }

    @Test void providerIsRegisteredAboveSimd() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("opencl")).findFirst().orElseThrow();
        assertInstanceOf(OpenClBackend.Provider.class, p);
        assertTrue(p.priority() > 100, "accelerators rank above the SIMD backend (100)");
    }

    @Test void autoOnThisMachineFollowsTheGpuRule() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        boolean gpu = rt.devices.stream().anyMatch(ClDevice::isGpu);
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.create("auto", 1, notices::add)) {
            if (gpu) {
                assertEquals("opencl", b.name());
            } else {
                assertNotEquals("opencl", b.name(), "a CPU-only OpenCL driver must not be chosen by auto");
                assertTrue(notices.stream().anyMatch(n -> n.contains("backend opencl skipped") && n.contains("no OpenCL GPU")),
                        notices.toString());
            }
        }
    }

    @Test void explicitOpenclRunsOnAnyDeviceAndReportListsIt() {
        OpenClRuntime rt = OpenClTestSupport.runtimeOrSkip();
        try (Backend b = Backends.create("opencl:0", 1, null)) {
            assertEquals("opencl", b.name());
            assertTrue(b.description().startsWith("opencl:0"), b.description());
        }
        List<String> report = Backends.report();
        String text = String.join("\n", report);
        assertTrue(report.stream().anyMatch(l -> l.startsWith("opencl") && l.contains("available")), text);
        assertTrue(text.contains(rt.devices.getFirst().name()) && text.contains("compute units"), text);
        assertTrue(report.getLast().startsWith("auto -> "), text);
        System.out.println(text);
    }
}
