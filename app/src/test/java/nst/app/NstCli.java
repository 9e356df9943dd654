package nst.app;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** Runs the nst command line in this JVM with stderr captured: what the CLI tests assert on. */
final class NstCli {
    private NstCli() {}

    /** The exit code and what the run printed on stderr. */
    record Run(int code, String err) {}

    /** Runs {@code nst args…}; the transcript also goes to stdout, so a failing test shows what nst said. */
    static Run nst(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            CommandLine cl = Main.commandLine();       // created after the redirect: picocli's err is System.err
            int code = cl.execute(args);
            cl.getErr().flush();
            // a fuzz test earlier in this JVM leaves Jazzer's agent attached, and it reports each class it instruments
            // on stderr ("INFO: Instrumented nst.app.… with custom hooks only"): not the CLI's output
            String err = captured.toString().lines().filter(l -> !l.startsWith("INFO: Instrumented "))
                    .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
            Run r = new Run(code, err);
            System.out.println("nst " + String.join(" ", args) + "\n  exit " + code + "\n  " + r.err().replace("\n", "\n  "));
            return r;
        } finally {
            System.setErr(oldErr);
        }
    }
}
