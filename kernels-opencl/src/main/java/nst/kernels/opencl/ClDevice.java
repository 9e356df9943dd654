package nst.kernels.opencl;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * One OpenCL device as the backend sees it: its index in the flat list over all platforms ({@code opencl:N}),
 * what {@code nst backends} prints, and the handles. Leaves out sub-devices and every property the backend
 * does not use.
 */
record ClDevice(int index, String platformName, String platformVersion, String name, long type, long globalMemBytes,
                long maxAllocBytes, int computeUnits, long maxWorkGroupSize, String version, boolean fp64,
                MemorySegment platform, MemorySegment handle) {

    boolean isGpu() { return (type & Cl.CL_DEVICE_TYPE_GPU) != 0; }

    String typeName() {
        if (isGpu()) return "GPU";
        if ((type & Cl.CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((type & Cl.CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }

    /** True when the device speaks OpenCL 2.0 or newer ("OpenCL 3.0 …"), so the 2.0 queue call is safe. */
    boolean opencl2() {
        String[] parts = version.split("[ .]");
        try {
            return parts.length > 1 && Integer.parseInt(parts[1]) >= 2;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** "opencl:0  CPU  pthread-… , 3.4 GiB, 2 compute units, fp64". */
    String describe() {
        return String.format(Locale.ROOT, "opencl:%d  %-4s %s, %.1f GiB, %d compute units, max work-group %d%s", index,
                typeName(), name, globalMemBytes / (1024.0 * 1024 * 1024), computeUnits, maxWorkGroupSize, fp64 ? ", fp64" : "");
    }
}
