package nst.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backend selection over fake providers: auto falls back, with a one-line notice, past a provider whose
 * create() throws (a GPU whose kernels do not build); a backend named explicitly still fails with its error.
 */
class BackendsTest {

    /** Ranks above every real backend, says it is usable, and then fails to start (like a GPU whose build fails). */
    static final class FailingProvider implements BackendProvider {
        int creates;
        @Override public String name() { return "fakegpu"; }
        @Override public int priority() { return 300; }
        @Override public String unavailableReason() { return null; }
        @Override public Backend create(String device, int threads) {
            creates++;
            throw new IllegalStateException("clBuildProgram failed on FakeGPU 9000; build log:\nline 1: error\nline 2: error");
        }
    }

    @Test void autoFallsBackPastAProviderThatFailsToStart() {
        FailingProvider gpu = new FailingProvider();
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.create("auto", 1, notices::add, List.of(new ScalarBackend.Provider(), gpu))) {
            assertEquals("scalar", b.name());
        }
        assertEquals(1, gpu.creates);
        assertEquals(1, notices.size(), notices.toString());
        String n = notices.getFirst();
        assertTrue(n.startsWith("backend fakegpu skipped: ") && n.contains("clBuildProgram failed on FakeGPU 9000"), n);
        assertFalse(n.contains("\n") || n.contains("line 2"), "one line, not the whole build log: " + n);
    }

    @Test void explicitlyNamedBackendStillFailsWithItsError() {
        List<String> notices = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.create("fakegpu", 1, notices::add, List.of(new ScalarBackend.Provider(), new FailingProvider())));
        assertTrue(e.getMessage().contains("line 2: error"), "the full message: " + e.getMessage());
        assertTrue(notices.isEmpty(), notices.toString());
    }

    @Test void autoWithNothingThatStartsSaysWhy() {
        FailingProvider gpu = new FailingProvider();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("auto", 1, null, List.of(gpu)));
        assertTrue(e.getMessage().contains("no backend could start") && e.getMessage().contains("fakegpu"), e.getMessage());
        assertEquals(1, e.getSuppressed().length);
    }

    @Test void theRealProvidersAreFoundByServiceLoader() {
        List<String> names = Backends.providers().stream().map(BackendProvider::name).toList();
        assertTrue(names.containsAll(List.of("simd", "scalar")), names.toString());
        assertEquals("scalar", names.getLast(), "lowest priority last: " + names);
    }
}
