package nst.app;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** nst serve's options for the studio's guards: --allowed-host repeats, and the connection limits are checked before starting. */
class ServeCommandTest {
    @Test
    void allowedHostRepeats() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("--allowed-host", "studio.lan", "--allowed-host", "nst.example", "--max-event-streams", "32");
        assertEquals(List.of("studio.lan", "nst.example"), c.allowedHosts);
        assertEquals(32, c.maxStreams);
    }

    @Test
    void badLimitsAreRefusedBeforeTheServerStarts() {
        for (String[] args : List.of(new String[] {"--max-uploads", "0"}, new String[] {"--max-event-streams", "0"}, new String[] {"--idle-timeout", "1"})) {
            ServeCommand c = new ServeCommand();
            new CommandLine(c).parseArgs(args);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::call);
            assertTrue(e.getMessage().contains(args[0]), e.getMessage());
        }
    }
}
