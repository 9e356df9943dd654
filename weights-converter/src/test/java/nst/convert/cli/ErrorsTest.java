package nst.convert.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The weights commands' error line for running out of memory: advice that fits them (issue 13). */
class ErrorsTest {

    @Test
    void outOfMemoryGivesAdviceForWeightsNotForStylize() {
        CommandLine cl = new CommandLine(new ConvertCommand());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = Errors.run(cl.getCommandSpec(), () -> { throw new OutOfMemoryError("Java heap space"); });
        assertEquals(1, code);
        assertEquals("convert: out of memory while reading the weights; give Java a larger heap (NST_JAVA_OPTS=-Xmx4g)",
                err.toString().strip());
    }
}
