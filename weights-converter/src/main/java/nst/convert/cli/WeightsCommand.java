package nst.convert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code nst weights}: convert, inspect and fetch VGG weights. The app registers this class as a
 * subcommand; {@link #main} runs it alone (tests, debugging). Leaves out style transfer itself.
 */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Convert, inspect and download VGG, ResNet-50 and AdaIN weights for nst.",
        subcommands = {ConvertCommand.class, InfoCommand.class, FetchCommand.class})
public class WeightsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** A CommandLine for this command whose bad-option errors are one line (plus a hint), exit code 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new WeightsCommand());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see --help)");
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
