package nst.app;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nst explain}: placeholder until the report is written. */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Run a transfer and write an HTML step-through report.")
final class ExplainCommand implements Callable<Integer> {
    @Override
    public Integer call() { return 0; }
}
