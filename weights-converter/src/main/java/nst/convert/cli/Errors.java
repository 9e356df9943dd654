package nst.convert.cli;

import nst.engine.NstException;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * Runs a command body and turns user-facing failures (bad files, bad options, I/O, running out of
 * memory) into one line on stderr and exit code 1, with advice that fits the weights commands. Leaves programming errors to propagate with their stack trace.
 */
final class Errors {
    private Errors() {}

    static int run(CommandSpec spec, Callable<Integer> body) {
        try {
            return body.call();
        } catch (NstException | IOException | UncheckedIOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + msg.replace('\n', ' '));
            return 1;
        } catch (OutOfMemoryError e) {
            // Not "a smaller --size" (the stylize advice): reading weights needs memory for one tensor at a time.
            spec.commandLine().getErr().println(spec.qualifiedName() + ": out of memory while reading the weights; give Java a larger heap (NST_JAVA_OPTS=-Xmx4g)");
            return 1;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
