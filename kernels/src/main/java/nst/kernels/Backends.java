package nst.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Finds backends through {@link ServiceLoader} and picks one by name or, for {@code auto}, by priority (past any
 * provider that is unavailable or fails to start).
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
     * Under auto, unavailable providers are skipped, and so is one whose {@code create} throws (a GPU whose kernels
     * do not build, a device that cannot run the work-groups): {@code notice} hears one line about each, naming the
     * backend and the reason, and the next provider is tried.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones) or an
     *                                  explicitly named backend that cannot run here (with the reason)
     * @throws IllegalStateException    under auto when no provider could create a backend
     */
    public static Backend create(String spec, int threads, Consumer<String> notice) {
        return create(spec, threads, notice, providers());
    }

    /** {@link #create(String, int, Consumer)} over the given providers (tests pass fakes). */
    static Backend create(String spec, int threads, Consumer<String> notice, List<BackendProvider> providers) {
        String s = spec == null || spec.isBlank() ? "auto" : spec.trim();
        String name = s, device = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            name = s.substring(0, colon);
            device = s.substring(colon + 1);
        }
        List<BackendProvider> all = new ArrayList<>(providers);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        if (name.equals("auto")) {
            List<RuntimeException> failures = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (BackendProvider p : all) {
                String why = p.autoSkipReason();
                if (why == null) {
                    try {
                        return p.create(device, threads);
                    } catch (RuntimeException e) {
                        String line = "backend " + p.name() + " skipped: it failed to start: " + oneLine(p.name(), e);
                        failures.add(e);
                        failed.add(line);
                        if (notice != null) notice.accept(line);
                        continue;
                    }
                }
                if (notice != null && p.priority() > 100) notice.accept("backend " + p.name() + " skipped: " + why);
            }
            IllegalStateException none = new IllegalStateException(failed.isEmpty() ? "no backend available"
                    : "no backend could start: " + String.join("; ", failed));
            failures.forEach(none::addSuppressed);
            throw none;
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

    /** The first line of {@code e}'s message (a build log can run to pages), or its class when it has none. */
    private static String oneLine(String backend, RuntimeException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        if (m.isEmpty()) return e.getClass().getName();
        String first = m.lines().findFirst().orElse("").strip();
        if (first.length() > 300) first = first.substring(0, 300) + "…";
        return first.length() < m.length() ? first + " (--backend " + backend + " shows the whole message)" : first;
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
