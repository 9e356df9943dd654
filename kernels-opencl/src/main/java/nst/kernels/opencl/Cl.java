package nst.kernels.opencl;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Optional;

/**
 * Hand-written FFM bindings to the few OpenCL 1.2/2.0 entry points the backend uses, loaded from the ICD
 * loader {@code libOpenCL.so.1}. Every non-zero error code becomes a {@link ClException} naming the call and
 * the CL error name. Leaves out events, images, SVM, sub-buffers and everything else the backend never calls.
 */
final class Cl {

    static final String DEFAULT_LIBRARY = "libOpenCL.so.1";

    // ---------------------------------------------------------------- constants (cl.h)
    static final int CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VENDOR = 0x0903;
    static final long CL_DEVICE_TYPE_CPU = 1 << 1, CL_DEVICE_TYPE_GPU = 1 << 2, CL_DEVICE_TYPE_ACCELERATOR = 1 << 3,
            CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002, CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F, CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
            CL_DEVICE_NAME = 0x102B, CL_DEVICE_VERSION = 0x102F, CL_DEVICE_EXTENSIONS = 0x1030;
    static final long CL_CONTEXT_PLATFORM = 0x1084;
    static final long CL_MEM_READ_WRITE = 1;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    static final int CL_TRUE = 1;

    static final int CL_DEVICE_NOT_AVAILABLE = -2, CL_MEM_OBJECT_ALLOCATION_FAILURE = -4, CL_OUT_OF_RESOURCES = -5,
            CL_OUT_OF_HOST_MEMORY = -6, CL_BUILD_PROGRAM_FAILURE = -11, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST = -14,
            CL_PLATFORM_NOT_FOUND_KHR = -1001;

    private static final Map<Integer, String> ERROR_NAMES = Map.ofEntries(
            Map.entry(-1, "CL_DEVICE_NOT_FOUND"), Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
            Map.entry(-3, "CL_COMPILER_NOT_AVAILABLE"), Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            Map.entry(-5, "CL_OUT_OF_RESOURCES"), Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
            Map.entry(-7, "CL_PROFILING_INFO_NOT_AVAILABLE"), Map.entry(-8, "CL_MEM_COPY_OVERLAP"),
            Map.entry(-9, "CL_IMAGE_FORMAT_MISMATCH"), Map.entry(-10, "CL_IMAGE_FORMAT_NOT_SUPPORTED"),
            Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"), Map.entry(-12, "CL_MAP_FAILURE"),
            Map.entry(-13, "CL_MISALIGNED_SUB_BUFFER_OFFSET"), Map.entry(-14, "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"),
            Map.entry(-15, "CL_COMPILE_PROGRAM_FAILURE"), Map.entry(-16, "CL_LINKER_NOT_AVAILABLE"),
            Map.entry(-17, "CL_LINK_PROGRAM_FAILURE"), Map.entry(-18, "CL_DEVICE_PARTITION_FAILED"),
            Map.entry(-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"), Map.entry(-30, "CL_INVALID_VALUE"),
            Map.entry(-31, "CL_INVALID_DEVICE_TYPE"), Map.entry(-32, "CL_INVALID_PLATFORM"),
            Map.entry(-33, "CL_INVALID_DEVICE"), Map.entry(-34, "CL_INVALID_CONTEXT"),
            Map.entry(-35, "CL_INVALID_QUEUE_PROPERTIES"), Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"),
            Map.entry(-37, "CL_INVALID_HOST_PTR"), Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
            Map.entry(-39, "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"), Map.entry(-40, "CL_INVALID_IMAGE_SIZE"),
            Map.entry(-41, "CL_INVALID_SAMPLER"), Map.entry(-42, "CL_INVALID_BINARY"),
            Map.entry(-43, "CL_INVALID_BUILD_OPTIONS"), Map.entry(-44, "CL_INVALID_PROGRAM"),
            Map.entry(-45, "CL_INVALID_PROGRAM_EXECUTABLE"), Map.entry(-46, "CL_INVALID_KERNEL_NAME"),
            Map.entry(-47, "CL_INVALID_KERNEL_DEFINITION"), Map.entry(-48, "CL_INVALID_KERNEL"),
            Map.entry(-49, "CL_INVALID_ARG_INDEX"), Map.entry(-50, "CL_INVALID_ARG_VALUE"),
            Map.entry(-51, "CL_INVALID_ARG_SIZE"), Map.entry(-52, "CL_INVALID_KERNEL_ARGS"),
            Map.entry(-53, "CL_INVALID_WORK_DIMENSION"), Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
            Map.entry(-55, "CL_INVALID_WORK_ITEM_SIZE"), Map.entry(-56, "CL_INVALID_GLOBAL_OFFSET"),
            Map.entry(-57, "CL_INVALID_EVENT_WAIT_LIST"), Map.entry(-58, "CL_INVALID_EVENT"),
            Map.entry(-59, "CL_INVALID_OPERATION"), Map.entry(-60, "CL_INVALID_GL_OBJECT"),
            Map.entry(-61, "CL_INVALID_BUFFER_SIZE"), Map.entry(-62, "CL_INVALID_MIP_LEVEL"),
            Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"), Map.entry(-64, "CL_INVALID_PROPERTY"),
            Map.entry(-65, "CL_INVALID_IMAGE_DESCRIPTOR"), Map.entry(-66, "CL_INVALID_COMPILER_OPTIONS"),
            Map.entry(-67, "CL_INVALID_LINKER_OPTIONS"), Map.entry(-68, "CL_INVALID_DEVICE_PARTITION_COUNT"),
            Map.entry(-69, "CL_INVALID_PIPE_SIZE"), Map.entry(-70, "CL_INVALID_DEVICE_QUEUE"),
            Map.entry(-71, "CL_INVALID_SPEC_ID"), Map.entry(-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED"),
            Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"),
            Map.entry(-9999, "NVIDIA_ILLEGAL_MEMORY_ACCESS"));

    /** "CL_OUT_OF_RESOURCES (-5)"; unknown codes keep their number. */
    static String errorName(int code) {
        return ERROR_NAMES.getOrDefault(code, "CL_UNKNOWN_ERROR") + " (" + code + ")";
    }

    /**
     * Codes that mean the device itself ran out of memory or failed (device lost, an illegal access that
     * poisoned the queue): the backend reports these as {@link nst.kernels.DeviceException}.
     */
    static boolean isDeviceError(int code) {
        return code == CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL_OUT_OF_RESOURCES || code == CL_OUT_OF_HOST_MEMORY
                || code == CL_DEVICE_NOT_AVAILABLE || code == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST || code == -9999;
    }

    // ---------------------------------------------------------------- loading

    private static final Linker LINKER = Linker.nativeLinker();
    private static final AddressLayout P = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;

    final String library;
    private final MethodHandle getPlatformIDs, getPlatformInfo, getDeviceIDs, getDeviceInfo, createContext,
            createCommandQueue, createBuffer, enqueueReadBuffer, enqueueWriteBuffer, enqueueFillBuffer, enqueueCopyBuffer,
            createProgramWithSource, buildProgram, getProgramBuildInfo, createKernel, setKernelArg, getKernelWorkGroupInfo,
            enqueueNDRangeKernel, finish, releaseMemObject, releaseKernel, releaseProgram, releaseCommandQueue, releaseContext;
    /** OpenCL 2.0+; absent from 1.2-only loaders. */
    private final MethodHandle createCommandQueueWithProperties;

    /**
     * Loads {@code library} (normally {@link #DEFAULT_LIBRARY}) and binds the entry points.
     *
     * @throws OpenClUnavailableException when the library cannot be loaded or lacks a needed symbol
     */
    static Cl load(String library) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new OpenClUnavailableException("the OpenCL loader " + library + " could not be loaded (" + e.getMessage()
                    + "); install ocl-icd-libopencl1 and an OpenCL driver, for example pocl-opencl-icd (CPU) or your GPU vendor's ICD");
        }
        return new Cl(lookup, library);
    }

    private Cl(SymbolLookup lib, String library) {
        this.library = library;
        getPlatformIDs = bind(lib, "clGetPlatformIDs", I, I, P, P);
        getPlatformInfo = bind(lib, "clGetPlatformInfo", I, P, I, L, P, P);
        getDeviceIDs = bind(lib, "clGetDeviceIDs", I, P, L, I, P, P);
        getDeviceInfo = bind(lib, "clGetDeviceInfo", I, P, I, L, P, P);
        createContext = bind(lib, "clCreateContext", P, P, I, P, P, P, P);
        createCommandQueue = bind(lib, "clCreateCommandQueue", P, P, P, L, P);
        createCommandQueueWithProperties = lib.find("clCreateCommandQueueWithProperties")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(P, P, P, P, P))).orElse(null);
        createBuffer = bind(lib, "clCreateBuffer", P, P, L, L, P, P);
        enqueueReadBuffer = bind(lib, "clEnqueueReadBuffer", I, P, P, I, L, L, P, I, P, P);
        enqueueWriteBuffer = bind(lib, "clEnqueueWriteBuffer", I, P, P, I, L, L, P, I, P, P);
        enqueueFillBuffer = bind(lib, "clEnqueueFillBuffer", I, P, P, P, L, L, L, I, P, P);
        enqueueCopyBuffer = bind(lib, "clEnqueueCopyBuffer", I, P, P, P, L, L, L, I, P, P);
        createProgramWithSource = bind(lib, "clCreateProgramWithSource", P, P, I, P, P, P);
        buildProgram = bind(lib, "clBuildProgram", I, P, I, P, P, P, P);
        getProgramBuildInfo = bind(lib, "clGetProgramBuildInfo", I, P, P, I, L, P, P);
        createKernel = bind(lib, "clCreateKernel", P, P, P, P);
        setKernelArg = bind(lib, "clSetKernelArg", I, P, I, L, P);
        getKernelWorkGroupInfo = bind(lib, "clGetKernelWorkGroupInfo", I, P, P, I, L, P, P);
        enqueueNDRangeKernel = bind(lib, "clEnqueueNDRangeKernel", I, P, P, I, P, P, P, I, P, P);
        finish = bind(lib, "clFinish", I, P);
        releaseMemObject = bind(lib, "clReleaseMemObject", I, P);
        releaseKernel = bind(lib, "clReleaseKernel", I, P);
        releaseProgram = bind(lib, "clReleaseProgram", I, P);
        releaseCommandQueue = bind(lib, "clReleaseCommandQueue", I, P);
        releaseContext = bind(lib, "clReleaseContext", I, P);
    }

    private MethodHandle bind(SymbolLookup lib, String name, MemoryLayout ret, MemoryLayout... args) {
        Optional<MemorySegment> sym = lib.find(name);
        if (sym.isEmpty())
            throw new OpenClUnavailableException(library + " has no symbol " + name + ": not an OpenCL 1.2 loader");
        return LINKER.downcallHandle(sym.get(), FunctionDescriptor.of(ret, args));
    }

    // ---------------------------------------------------------------- error handling

    static void check(int code, String call) {
        if (code != 0) throw new ClException(call, code);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Reads the cl_int an out-parameter received and throws when it is an error. */
    private static MemorySegment checked(MemorySegment result, MemorySegment err, String call) {
        check(err.get(ValueLayout.JAVA_INT, 0), call);
        return result;
    }

    // ---------------------------------------------------------------- platforms and devices

    /** All platform ids; an empty array when the loader finds no ICD (CL_PLATFORM_NOT_FOUND_KHR). */
    MemorySegment[] platforms() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(I);
            int code = (int) getPlatformIDs.invokeExact(0, MemorySegment.NULL, n);
            if (code == CL_PLATFORM_NOT_FOUND_KHR) return new MemorySegment[0];
            check(code, "clGetPlatformIDs");
            int count = n.get(I, 0);
            if (count == 0) return new MemorySegment[0];
            MemorySegment ids = a.allocate(P, count);
            check((int) getPlatformIDs.invokeExact(count, ids, MemorySegment.NULL), "clGetPlatformIDs");
            return addresses(ids, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String platformInfo(MemorySegment platform, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(L);
            check((int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size), "clGetPlatformInfo");
            MemorySegment buf = a.allocate(size.get(L, 0) + 1);
            check((int) getPlatformInfo.invokeExact(platform, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetPlatformInfo");
            return buf.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Devices of every type on {@code platform}; empty when it has none (CL_DEVICE_NOT_FOUND). */
    MemorySegment[] devices(MemorySegment platform) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(I);
            int code = (int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, n);
            if (code == -1) return new MemorySegment[0];
            check(code, "clGetDeviceIDs");
            int count = n.get(I, 0);
            MemorySegment ids = a.allocate(P, count);
            check((int) getDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, count, ids, MemorySegment.NULL), "clGetDeviceIDs");
            return addresses(ids, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(L);
            check((int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo");
            MemorySegment buf = a.allocate(size.get(L, 0) + 1);
            check((int) getDeviceInfo.invokeExact(device, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetDeviceInfo");
            return buf.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A numeric device property of {@code bytes} (4 for cl_uint, 8 for cl_ulong and size_t). */
    long deviceNumber(MemorySegment device, int param, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8);
            check((int) getDeviceInfo.invokeExact(device, param, (long) bytes, v, MemorySegment.NULL), "clGetDeviceInfo");
            return bytes == 4 ? Integer.toUnsignedLong(v.get(I, 0)) : v.get(L, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- context, queue, memory

    MemorySegment createContext(MemorySegment platform, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment props = a.allocate(L, 3);
            props.setAtIndex(L, 0, CL_CONTEXT_PLATFORM);
            props.setAtIndex(L, 1, platform.address());
            props.setAtIndex(L, 2, 0);
            MemorySegment devs = a.allocate(P);
            devs.set(P, 0, device);
            MemorySegment err = a.allocate(I);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(props, 1, devs, MemorySegment.NULL, MemorySegment.NULL, err);
            return checked(ctx, err, "clCreateContext");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An in-order queue without profiling; uses the 2.0 entry point when the device speaks OpenCL ≥ 2.0. */
    MemorySegment createQueue(MemorySegment context, MemorySegment device, boolean opencl2) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(I);
            if (opencl2 && createCommandQueueWithProperties != null) {
                MemorySegment q = (MemorySegment) createCommandQueueWithProperties.invokeExact(context, device, MemorySegment.NULL, err);
                return checked(q, err, "clCreateCommandQueueWithProperties");
            }
            MemorySegment q = (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, err);
            return checked(q, err, "clCreateCommandQueue");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(I);
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, CL_MEM_READ_WRITE, bytes, MemorySegment.NULL, err);
            return checked(mem, err, "clCreateBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking write of {@code host.byteSize()} bytes at {@code offset}; host must be native memory. */
    void write(MemorySegment queue, MemorySegment mem, long offset, MemorySegment host) {
        try {
            check((int) enqueueWriteBuffer.invokeExact(queue, mem, CL_TRUE, offset, host.byteSize(), host, 0,
                    MemorySegment.NULL, MemorySegment.NULL), "clEnqueueWriteBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking read into {@code host} (native memory); waits for every command queued before it. */
    void read(MemorySegment queue, MemorySegment mem, long offset, MemorySegment host) {
        try {
            check((int) enqueueReadBuffer.invokeExact(queue, mem, CL_TRUE, offset, host.byteSize(), host, 0,
                    MemorySegment.NULL, MemorySegment.NULL), "clEnqueueReadBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Fills {@code bytes} bytes with float zero. */
    void fillZero(MemorySegment queue, MemorySegment mem, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pattern = a.allocate(ValueLayout.JAVA_FLOAT);
            check((int) enqueueFillBuffer.invokeExact(queue, mem, pattern, 4L, 0L, bytes, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueFillBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void copy(MemorySegment queue, MemorySegment src, MemorySegment dst, long bytes) {
        try {
            check((int) enqueueCopyBuffer.invokeExact(queue, src, dst, 0L, 0L, bytes, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueCopyBuffer");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- programs and kernels

    MemorySegment createProgram(MemorySegment context, String source) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocateFrom(source);
            MemorySegment strings = a.allocate(P);
            strings.set(P, 0, text);
            MemorySegment err = a.allocate(I);
            MemorySegment prog = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
            return checked(prog, err, "clCreateProgramWithSource");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Builds for one device; returns the error code (0 on success) so the caller can fetch the build log. */
    int build(MemorySegment program, MemorySegment device, String options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(P);
            devs.set(P, 0, device);
            return (int) buildProgram.invokeExact(program, 1, devs, a.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(L);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size),
                    "clGetProgramBuildInfo");
            MemorySegment buf = a.allocate(size.get(L, 0) + 1);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, buf.byteSize(), buf,
                    MemorySegment.NULL), "clGetProgramBuildInfo");
            return buf.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(I);
            MemorySegment k = (MemorySegment) createKernel.invokeExact(program, a.allocateFrom(name), err);
            return checked(k, err, "clCreateKernel(" + name + ")");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets argument {@code index} from {@code value} (its byteSize is the argument size); NULL value with a size is local memory. */
    void setArg(MemorySegment kernel, int index, long size, MemorySegment value, String kernelName) {
        try {
            check((int) setKernelArg.invokeExact(kernel, index, size, value), "clSetKernelArg(" + kernelName + ", " + index + ")");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The largest work-group this kernel can run with on {@code device}. */
    long kernelWorkGroupSize(MemorySegment kernel, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(L);
            check((int) getKernelWorkGroupInfo.invokeExact(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, 8L, v, MemorySegment.NULL),
                    "clGetKernelWorkGroupInfo");
            return v.get(L, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a 1-3 dimensional range; {@code local} null lets the driver choose the work-group size. */
    void enqueue(MemorySegment queue, MemorySegment kernel, long[] global, long[] local, String kernelName) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment g = a.allocateFrom(L, global);
            MemorySegment l = local == null ? MemorySegment.NULL : a.allocateFrom(L, local);
            check((int) enqueueNDRangeKernel.invokeExact(queue, kernel, global.length, MemorySegment.NULL, g, l, 0,
                    MemorySegment.NULL, MemorySegment.NULL), "clEnqueueNDRangeKernel(" + kernelName + ")");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            check((int) finish.invokeExact(queue), "clFinish");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- release (errors here are reported, never masked)

    void releaseMem(MemorySegment m) { release(releaseMemObject, m, "clReleaseMemObject"); }
    void releaseKernel(MemorySegment k) { release(releaseKernel, k, "clReleaseKernel"); }
    void releaseProgram(MemorySegment p) { release(releaseProgram, p, "clReleaseProgram"); }
    void releaseQueue(MemorySegment q) { release(releaseCommandQueue, q, "clReleaseCommandQueue"); }
    void releaseContext(MemorySegment c) { release(releaseContext, c, "clReleaseContext"); }

    private static void release(MethodHandle h, MemorySegment handle, String call) {
        try {
            check((int) h.invokeExact(handle), call);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MemorySegment[] addresses(MemorySegment ids, int count) {
        MemorySegment[] out = new MemorySegment[count];
        for (int i = 0; i < count; i++) out[i] = ids.getAtIndex(P, i);
        return out;
    }
}
