package nst.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Finds backends through {@link ServiceLoader} and picks one by name or, for {@code auto}, by priority.
 * Leaves out caching: each call creates a new backend, since backends hold per-run state.
 */
public final class Backends {
    private Backends() {}

    /** All providers on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /**
     * The backend named {@code spec} ("auto", "scalar", "simd", "opencl", "opencl:1").
     * Under auto, unavailable providers are skipped and {@code notice} hears one line about each.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones) or an
     *                                  explicitly named backend that cannot run here (with the reason)
     */
    public static Backend create(String spec, int threads, Consumer<String> notice) {
        String s = spec == null || spec.isBlank() ? "auto" : spec.trim();
        String name = s, device = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            name = s.substring(0, colon);
            device = s.substring(colon + 1);
        }
        List<BackendProvider> all = providers();
        if (name.equals("auto")) {
            for (BackendProvider p : all) {
                String why = p.autoSkipReason();
                if (why == null) return p.create(device, threads);
                if (notice != null && p.priority() > 100) notice.accept("backend " + p.name() + " skipped: " + why);
            }
            throw new IllegalStateException("no backend available");
        }
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                String why = p.unavailableReason();
                if (why != null) throw new IllegalArgumentException("backend '" + name + "' is not available: " + why);
                return p.create(device, threads);
            }
        }
        List<String> names = new ArrayList<>();
        names.add("auto");
        for (BackendProvider p : all) names.add(p.name());
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + String.join(", ", names));
    }

    /**
     * Human-readable lines for {@code nst backends}: each provider with its priority and whether it can run here
     * (or why not), its details (for OpenCL: platforms and devices), and what {@code auto} would choose.
     */
    public static List<String> report() {
        List<String> lines = new ArrayList<>();
        String auto = null;
        for (BackendProvider p : providers()) {
            String why = p.unavailableReason();
            String autoWhy = why == null ? p.autoSkipReason() : why;
            if (auto == null && autoWhy == null) auto = p.name();
            String state = why != null ? "unavailable: " + why
                    : autoWhy != null ? "available (explicit only, auto skips it: " + autoWhy + ")" : "available";
            lines.add(String.format("%-8s priority %3d  %s", p.name(), p.priority(), state));
            for (String d : p.details()) lines.add("    " + d);
        }
        lines.add("auto -> " + (auto == null ? "(none)" : auto));
        return lines;
    }
}
