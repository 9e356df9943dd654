package nst.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nst} command line: stylize, demo, serve, explain, backends, weights.
 * Leaves out option parsing by hand: picocli does it, and its usage errors exit with code 2.
 */
@Command(name = "nst", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Neural style transfer (Gatys et al.) in pure Java.",
        subcommands = {StylizeCommand.class, DemoCommand.class, ServeCommand.class, ExplainCommand.class, BackendsCommand.class,
                nst.convert.cli.WeightsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("nst: error: out of memory; use a smaller --size or give Java a larger heap (NST_JAVA_OPTS=-Xmx16g)");
            code = 1;
        }
        System.exit(code);
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nst " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }

    /** User errors print one line and exit 1; anything else prints the stack trace. */
    static final class Errors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
            if (ex instanceof nst.engine.NstException || ex instanceof IllegalArgumentException) {
                cl.getErr().println("nst: error: " + ex.getMessage());
                return ex instanceof nst.engine.StyleTransfer.NonFiniteLossException ? 3 : 1;
            }
            if (ex instanceof nst.kernels.DeviceException) {
                cl.getErr().println("nst: error: the compute device failed: " + ex.getMessage());
                return 1;
            }
            ex.printStackTrace(cl.getErr());
            return 1;
        }
    }
}
