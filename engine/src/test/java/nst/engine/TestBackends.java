package nst.engine;

import nst.kernels.Backend;
import nst.kernels.BackendProvider;
import nst.kernels.Backends;

import java.util.ArrayList;
import java.util.List;

/**
 * Which backends the engine suite runs on: system property {@code nst.test.backends} (comma-separated,
 * e.g. "scalar,simd,opencl"), else every provider on the class path that is available here (and opencl
 * always when NST_REQUIRE_OPENCL=true).
 */
public final class TestBackends {
    private TestBackends() {}

    public static List<String> names() {
        String prop = System.getProperty("nst.test.backends");
        List<String> out = new ArrayList<>();
        if (prop != null && !prop.isBlank()) {
            for (String s : prop.split(",")) if (!s.isBlank()) out.add(s.trim());
            return out;
        }
        for (BackendProvider p : Backends.providers()) if (p.unavailableReason() == null) out.add(p.name());
        // CI installs PoCL and sets NST_REQUIRE_OPENCL=true: then a missing OpenCL backend fails the suite.
        if ("true".equals(System.getenv("NST_REQUIRE_OPENCL")) && !out.contains("opencl")) out.add("opencl");
        return out;
    }

    public static Backend create(String name) {
        return Backends.create(name, 0, null);
    }
}
