package nst.convert.cli;

import nst.engine.NstException;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * Runs a command body and turns user-facing failures (bad files, bad options, I/O) into one line on
 * stderr and exit code 1. Leaves programming errors to propagate with their stack trace.
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
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
