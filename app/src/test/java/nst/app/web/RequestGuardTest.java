package nst.app.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Which Host headers the studio answers to, for each kind of listening address (StudioHardeningTest has the HTTP side). */
class RequestGuardTest {
    @Test
    void loopbackAcceptsItsNamesOnly() {
        RequestGuard g = new RequestGuard("127.0.0.1", List.of());
        for (String ok : List.of("127.0.0.1", "127.0.0.1:8080", "localhost:8080", "LocalHost", "[::1]:8080", "[::1]"))
            assertTrue(g.accepts(ok), ok);
        for (String bad : List.of("attacker.example", "127.0.0.1.attacker.example:8080", "192.168.1.5:8080", "localhost:80:80",
                "localhost:port", "[::1", "[::1]x", "", ":8080", "127.0.0.2"))
            assertFalse(g.accepts(bad), bad);
    }

    @Test
    void everyInterfaceAcceptsAddressesButNoNames() {
        RequestGuard g = new RequestGuard("0.0.0.0", List.of("studio.lan"));
        for (String ok : List.of("192.168.1.5:8080", "10.0.0.1", "[fe80::1]:8080", "localhost", "studio.lan:8080", "STUDIO.lan"))
            assertTrue(g.accepts(ok), ok);
        for (String bad : List.of("rebind.attacker.example:8080", "studio.lan.attacker.example", "192.168.1.5.nip.io"))
            assertFalse(g.accepts(bad), bad);
    }

    @Test
    void aSpecificAddressAcceptsItselfAndTheAllowList() {
        RequestGuard g = new RequestGuard("192.168.1.5", List.of("Studio.Lan"));
        assertTrue(g.accepts("192.168.1.5:8080"));
        assertTrue(g.accepts("studio.lan"));
        assertFalse(g.accepts("localhost:8080"), "not listening on loopback");
        assertFalse(g.accepts("10.0.0.1"));
    }
}
