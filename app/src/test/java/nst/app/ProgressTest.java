package nst.app;

import nst.engine.StyleTransfer;
import nst.engine.image.Image;
import nst.engine.loss.LossTerms;
import nst.engine.loss.Objective;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI's progress output: the plain-line format and when it is printed, the bar, and the terminal test on stderr. */
class ProgressTest {

    static StyleTransfer.Progress at(int iteration, int iterations, double loss, double secondsPerIteration) {
        return new StyleTransfer.Progress() {
            public int iteration() { return iteration; }
            public int iterations() { return iterations; }
            public LossTerms terms() { return new LossTerms(loss, loss / 4, loss * 3 / 4, 0); }
            public double elapsedSeconds() { return secondsPerIteration * iteration; }
            public Image image() { return null; }
            public Objective objective() { return null; }
        };
    }

    static String render(boolean terminal, int iterations) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        TransferRunner.Progress progress = new TransferRunner.Progress(err, false, terminal);
        for (int i = 1; i <= iterations; i++) progress.update(at(i, iterations, 1000.0 / i, 0.5));
        progress.finish();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test void plainLinesAtTheFirstEveryTenthAndTheLastIteration() {
        String out = render(false, 25);
        System.out.print(out);
        assertEquals(List.of(
                "nst: iteration 1/25  loss 1000  0.50 s/it  ETA 0:12",
                "nst: iteration 10/25  loss 100.0  0.50 s/it  ETA 0:08",
                "nst: iteration 20/25  loss 50.00  0.50 s/it  ETA 0:03",
                "nst: iteration 25/25  loss 40.00  0.50 s/it  ETA 0:00"), out.lines().toList());
        assertFalse(out.contains("\r"), "no carriage returns in plain mode");
    }

    @Test void aBarOnATerminal() {
        String out = render(true, 4);
        assertTrue(out.startsWith("\r[#######.......................] iteration 1/4  loss 1000  0.50 s/it  ETA 0:02"), out);
        assertTrue(out.contains("\r[##############################] iteration 4/4  loss 250.0"), out);
        assertTrue(out.endsWith("\n") && out.indexOf('\n') == out.length() - 1, "one line, ended by finish(): " + out);
    }

    @Test void terminalDevices() {
        for (String tty : new String[] {"/dev/pts/3", "/dev/tty1", "/dev/console"}) assertTrue(TransferRunner.Progress.isTerminalDevice(tty), tty);
        for (String not : new String[] {"pipe:[123456]", "/dev/null", "/tmp/err.log", "socket:[42]"})
            assertFalse(TransferRunner.Progress.isTerminalDevice(not), not);
        // surefire gives the test JVM pipes, not a terminal
        assertFalse(TransferRunner.Progress.stderrIsTerminal());
    }
}
