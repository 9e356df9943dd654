package nst.app;

import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code nst} command as a real child JVM, for what needs a process of its own: Ctrl-C (SIGINT) and the
 * JVM's shutdown, and progress on a terminal (a pseudo-terminal from util-linux's script). Linux only.
 * Tiny images, a narrow network, the scalar backend.
 */
class ChildProcessTest {
    @TempDir Path dir;

    static Path example(String name) {
        Path p = Path.of("..", "examples", name);
        return Files.isRegularFile(p) ? p : Path.of("examples", name);
    }

    /** java with the test JVM's class path and the flags the launcher passes; SIGINT reset to default where env can. */
    static List<String> javaCommand() throws Exception {
        List<String> cmd = new ArrayList<>();
        // A shell without job control starts background jobs with SIGINT ignored, and a JVM that starts so never
        // hears Ctrl-C; env --default-signal (coreutils 8.31+) puts the default back.
        if (new ProcessBuilder("env", "--default-signal=INT", "true").start().waitFor() == 0) cmd.addAll(List.of("env", "--default-signal=INT"));
        else assumeTrue(!sigintIgnored(), "SIGINT is ignored here and env --default-signal is missing");
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss8m", "-cp", System.getProperty("java.class.path"), "nst.app.Main"));
        return cmd;
    }

    static boolean sigintIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
        return false;
    }

    Path narrowWeights() throws Exception {
        Path p = dir.resolve("narrow.safetensors");
        VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION).save(p);
        return p;
    }

    /** Ctrl-C in the middle of a long run: exit 130, the last good image and a complete loss log are written. */
    @Test void ctrlCWritesTheLastGoodImageAndTheLossLog() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux signals");
        Path out = dir.resolve("out.png"), log = dir.resolve("loss.csv");
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("stylize", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", out.toString(), "--loss-log", log.toString(), "--size", "40", "--iterations", "1000000", "--optimizer", "adam",
                "--weights", narrowWeights().toString(), "--backend", "scalar", "--threads", "1"));
        List<String> err = interruptAfterIteration20(cmd);
        assertTrue(err.stream().anyMatch(l -> l.contains("cancelled; wrote the last good image")), String.join("\n", err));
        assertEquals(40, Images.read(out).width());
        List<String> rows = Files.readAllLines(log);
        assertEquals(TransferRunner.LossLog.HEADER, rows.get(0));
        assertTrue(rows.size() > 20, "rows " + rows.size());
        for (int i = 1; i < rows.size(); i++) {
            String[] f = rows.get(i).split(",", -1);
            assertEquals(7, f.length, "row " + i + ": " + rows.get(i));
            assertEquals(i - 1, Integer.parseInt(f[1]), "evaluations numbered without gaps");
            for (int k = 2; k < 7; k++) assertTrue(Double.isFinite(Double.parseDouble(f[k])), rows.get(i));
        }
        assertTrue(Files.readString(log).endsWith("\n"), "the last row is complete");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(q -> q.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
    }

    /** Runs cmd, sends SIGINT once stderr shows iteration 20, and returns stderr after asserting exit code 130. */
    static List<String> interruptAfterIteration20(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> err = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) err.add(line);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            long until = System.nanoTime() + 60_000_000_000L;
            while (err.stream().noneMatch(l -> l.contains("iteration 20/")) && p.isAlive() && System.nanoTime() < until) Thread.sleep(20);
            assertTrue(p.isAlive(), "the run ended by itself: " + err);
            assertTrue(err.stream().anyMatch(l -> l.contains("iteration 20/")), "no progress: " + err);
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process did not end after SIGINT");
            reader.join(5000);
            System.out.println(String.join("\n", err));
            assertEquals(130, p.exitValue(), String.join("\n", err));
        } finally {
            p.destroyForcibly();
        }
        return err;
    }

    /** Ctrl-C during nst explain: exit 130 and the report of the iterations that ran is still written. */
    @Test void ctrlCDuringExplainWritesTheReport() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux signals");
        Path out = dir.resolve("report.html");
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("explain", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", out.toString(), "--size", "40", "--iterations", "1000000", "--optimizer", "adam", "--save-every", "5",
                "--weights", narrowWeights().toString(), "--backend", "scalar", "--threads", "1"));
        List<String> err = interruptAfterIteration20(cmd);
        assertTrue(err.stream().anyMatch(l -> l.contains("nst: wrote " + out)), String.join("\n", err));
        String html = Files.readString(out);
        assertTrue(html.startsWith("<!DOCTYPE html>") || html.startsWith("<!doctype html>"), html.substring(0, Math.min(80, html.length())));
        assertTrue(html.contains("iteration 20"), "the report shows the iterations that ran");
    }

    /**
     * The bar or plain lines follow stderr, where progress goes: stdin and stdout on a terminal with stderr in a
     * file give plain lines; stderr on the terminal with stdout in a file gives the bar.
     */
    @Test void progressFollowsStderrNotStdout() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux");
        assumeTrue(new ProcessBuilder("script", "--version").redirectErrorStream(true).start().waitFor() == 0, "needs util-linux script");
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("stylize", "--content", example("tubingen.jpg").toString(), "--style", example("starry_night.jpg").toString(),
                "--out", dir.resolve("out.png").toString(), "--size", "32", "--iterations", "3", "--weights", narrowWeights().toString(),
                "--backend", "scalar", "--threads", "1"));
        String line = ShellWords.join(cmd);
        Path errFile = dir.resolve("err.txt");
        String plain = underPty(line + " 2>" + ShellWords.join(List.of(errFile.toString())));
        String inFile = Files.readString(errFile);
        System.out.println("stderr to a file, stdout on a terminal:\n" + inFile);
        assertTrue(inFile.contains("nst: iteration 3/3") && !inFile.contains("\r"), "plain lines expected: " + inFile + plain);
        String bar = underPty(line + " >/dev/null");
        System.out.println("stderr on a terminal: " + bar.replace("\r", "\\r"));
        assertTrue(bar.contains("\r[") && bar.contains("] iteration 3/3"), "a bar expected: " + bar);
    }

    /** Runs a shell command line with a pseudo-terminal as its stdin, stdout and stderr; returns what the terminal showed. */
    static String underPty(String commandLine) throws Exception {
        Process p = new ProcessBuilder("script", "-qec", commandLine, "/dev/null").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String shown = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), shown);
        return shown;
    }
}
