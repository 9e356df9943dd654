package nst.kernels.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process-wide OpenCL state: the loaded bindings, the flat device list over all platforms, and per device
 * one context with the backend's program built once (the program cache; kept until the JVM exits, so the
 * driver compiles each device's kernels once per process; a failed build is remembered too). Leaves out an
 * on-disk binary cache: drivers keep their own (PoCL: ~/.cache/pocl, NVIDIA: ~/.nv/ComputeCache).
 */
final class OpenClRuntime {

    /** The kernel sources, concatenated in this order into one program. */
    static final List<String> SOURCES = List.of("conv.cl", "pool.cl", "gemm.cl", "elementwise.cl", "adain.cl");

    /** Test hook: the loader library to open (a bogus name simulates a machine without OpenCL). Call {@link #reset} after changing it. */
    static volatile String libraryName = System.getProperty("nst.opencl.library", Cl.DEFAULT_LIBRARY);

    private static OpenClRuntime instance;
    private static OpenClUnavailableException failure;

    final Cl cl;
    final List<ClDevice> devices;
    /** Lines about platforms that could not be enumerated (a broken ICD must not hide the others). */
    final List<String> problems;
    private final Map<Integer, DeviceProgram> programs = new HashMap<>();
    /** Devices whose program did not build: the same source and options fail the same way, so it is not retried. */
    private final Map<Integer, ClException> buildFailures = new HashMap<>();
    /** The OpenCL C source {@link #program} builds: {@link #source()}, or a broken one in a test runtime. */
    private final String programSource;
    /** Contexts created and released by {@link #program} (tests check that a failed build keeps none). */
    private int contextsCreated, contextsReleased;

    /** A device's context and its built program, shared by every backend instance on that device. */
    record DeviceProgram(ClDevice device, MemorySegment context, MemorySegment program) {}

    private OpenClRuntime(Cl cl, String programSource) {
        this.cl = cl;
        this.programSource = programSource;
        List<ClDevice> list = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        MemorySegment[] platforms = cl.platforms();
        for (int p = 0; p < platforms.length; p++) {
            try {
                String pName = cl.platformInfo(platforms[p], Cl.CL_PLATFORM_NAME);
                String pVersion = cl.platformInfo(platforms[p], Cl.CL_PLATFORM_VERSION);
                for (MemorySegment d : cl.devices(platforms[p])) {
                    String ext = cl.deviceString(d, Cl.CL_DEVICE_EXTENSIONS);
                    list.add(new ClDevice(list.size(), pName, pVersion, cl.deviceString(d, Cl.CL_DEVICE_NAME),
                            cl.deviceNumber(d, Cl.CL_DEVICE_TYPE, 8), cl.deviceNumber(d, Cl.CL_DEVICE_GLOBAL_MEM_SIZE, 8),
                            cl.deviceNumber(d, Cl.CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8),
                            (int) cl.deviceNumber(d, Cl.CL_DEVICE_MAX_COMPUTE_UNITS, 4),
                            cl.deviceNumber(d, Cl.CL_DEVICE_MAX_WORK_GROUP_SIZE, 8),
                            cl.deviceString(d, Cl.CL_DEVICE_VERSION), ext.contains("cl_khr_fp64"), platforms[p], d));
                }
            } catch (ClException e) {
                bad.add("platform " + p + " skipped: " + e.getMessage());
            }
        }
        this.devices = List.copyOf(list);
        this.problems = List.copyOf(bad);
    }

    /**
     * The runtime for {@link #libraryName}, loaded on first use.
     *
     * @throws OpenClUnavailableException when the loader library is missing (the message says what to install)
     */
    static synchronized OpenClRuntime get() {
        if (instance != null) return instance;
        if (failure != null) throw failure;
        try {
            instance = new OpenClRuntime(Cl.load(libraryName), source());
            return instance;
        } catch (OpenClUnavailableException e) {
            failure = e;
            throw e;
        } catch (ClException e) {
            failure = new OpenClUnavailableException("OpenCL platforms could not be listed: " + e.getMessage());
            throw failure;
        }
    }

    /** Test hook: forget the loaded state so the next {@link #get} reloads {@link #libraryName}. Contexts stay alive. */
    static synchronized void reset() {
        instance = null;
        failure = null;
    }

    /** Why no backend can be created even though the loader is present; null when there is a device. */
    String noDeviceReason() {
        if (!devices.isEmpty()) return null;
        return "the OpenCL loader " + cl.library + " found no device (no ICD installed or no driver loaded"
                + (problems.isEmpty() ? "" : "; " + String.join("; ", problems))
                + "); install a driver such as pocl-opencl-icd (CPU) or your GPU vendor's OpenCL ICD";
    }

    /**
     * Context and program for {@code d}, created and built on first use. When the build fails, the new context is
     * released and the failure is remembered: later calls throw the same message at once instead of creating a
     * context and recompiling each time. Failures of the device itself (out of memory or resources, device lost)
     * are not remembered, since a later attempt may succeed.
     *
     * @throws ClException when the context cannot be created or the program does not build (with the build log)
     */
    synchronized DeviceProgram program(ClDevice d) {
        DeviceProgram p = programs.get(d.index());
        if (p != null) return p;
        ClException failed = buildFailures.get(d.index());
        if (failed != null) throw new ClException(failed.call(), failed.code(), failed.getMessage());
        MemorySegment context = cl.createContext(d.platform(), d.handle());
        contextsCreated++;
        MemorySegment program;
        try {
            program = build(context, d, programSource, options(d));
        } catch (RuntimeException e) {
            try {
                cl.releaseContext(context);
                contextsReleased++;
            } catch (RuntimeException r) {
                e.addSuppressed(r);
            }
            if (e instanceof ClException c && !Cl.isDeviceError(c.code())) buildFailures.put(d.index(), c);
            throw e;
        }
        p = new DeviceProgram(d, context, program);
        programs.put(d.index(), p);
        return p;
    }

    /** Contexts {@link #program} holds now: created minus released. */
    synchronized int liveContexts() { return contextsCreated - contextsReleased; }

    /** Contexts {@link #program} has created so far (one per device unless a build failed and was retried). */
    synchronized int contextsCreated() { return contextsCreated; }

    /**
     * Test hook: a separate runtime over the same loader whose {@link #program} builds {@code source} instead of
     * the backend's kernels, with its own program cache (so a broken source cannot poison {@link #get}'s).
     */
    static OpenClRuntime withSourceForTest(String source) {
        return new OpenClRuntime(Cl.load(libraryName), source);
    }

    /** Build options: OpenCL C 1.2, and NST_FP64 when the device has double precision (reduction partials). */
    static String options(ClDevice d) {
        return "-cl-std=CL1.2" + (d.fp64() ? " -DNST_FP64=1" : "");
    }

    /**
     * Compiles {@code source} for {@code d} in {@code context}.
     *
     * @throws ClException with the driver's build log in the message when the build fails
     */
    MemorySegment build(MemorySegment context, ClDevice d, String source, String options) {
        MemorySegment program = cl.createProgram(context, source);
        int code = cl.build(program, d.handle(), options);
        if (code != 0) {
            String log;
            try {
                log = cl.buildLog(program, d.handle());
            } catch (ClException e) {
                log = "(no build log: " + e.getMessage() + ")";
            }
            cl.releaseProgram(program);
            throw new ClException("clBuildProgram", code, "clBuildProgram failed: " + Cl.errorName(code) + " on " + d.name()
                    + " with options '" + options + "'; build log:\n" + log);
        }
        return program;
    }

    /** Test hook: builds {@code source} in {@code d}'s context and releases it again. */
    void compileForTest(ClDevice d, String source) {
        cl.releaseProgram(build(program(d).context(), d, source, options(d)));
    }

    /** The concatenated OpenCL C sources from this package's resources. */
    static String source() {
        StringBuilder sb = new StringBuilder();
        for (String name : SOURCES) {
            try (InputStream in = OpenClRuntime.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("kernel source " + name + " missing from the jar");
                sb.append("// ---- ").append(name).append('\n')
                        .append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new IllegalStateException("cannot read kernel source " + name, e);
            }
        }
        return sb.toString();
    }
}
