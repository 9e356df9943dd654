package nst.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nst} command line: stylize, batch, demo, serve, explain, backends, bench, weights.
 * Leaves out option parsing by hand: picocli does it, and its usage errors exit with code 2.
 */
@Command(name = "nst", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Neural style transfer (Gatys et al.) in pure Java.",
        subcommands = {StylizeCommand.class, BatchCommand.class, VideoCommand.class, DemoCommand.class, ServeCommand.class, ExplainCommand.class, BackendsCommand.class, BenchCommand.class,
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

    /**
     * User errors print one line and exit 1: bad input and options (NstException, IllegalArgumentException; an
     * OptionException names its options by their flags),
     * file system failures (IOException, UncheckedIOException: the file and the reason), device failures. A
     * non-finite loss exits 3. Anything else is a bug and prints the stack trace.
     */
    static final class Errors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
            if (ex instanceof java.io.UncheckedIOException u && u.getCause() != null) {
                cl.getErr().println("nst: error: " + describe(u.getCause()));
                return 1;
            }
            if (ex instanceof java.io.IOException io) {
                cl.getErr().println("nst: error: " + describe(io));
                return 1;
            }
            if (ex instanceof nst.engine.OptionException o) {         // the engine names the option; here it is a flag
                cl.getErr().println("nst: error: " + o.spelled(nst.engine.TransferOption::flag));
                return 1;
            }
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

        /** One line for a file system failure: the file (and the other file of a move) and what went wrong. */
        static String describe(java.io.IOException e) {
            if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
                String reason = f.getReason() != null ? f.getReason()
                        : switch (f) {
                            case java.nio.file.NoSuchFileException x -> "no such file or directory";
                            case java.nio.file.AccessDeniedException x -> "permission denied";
                            case java.nio.file.FileAlreadyExistsException x -> "already exists";
                            case java.nio.file.NotDirectoryException x -> "not a directory";
                            case java.nio.file.DirectoryNotEmptyException x -> "directory not empty";
                            default -> f.getClass().getSimpleName();
                        };
                return "cannot access " + f.getFile() + (f.getOtherFile() != null ? " (moving to " + f.getOtherFile() + ")" : "") + ": " + reason;
            }
            return "input/output error: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
    }
}
