package nst.app;

import com.code_intelligence.jazzer.junit.FuzzTest;
import nst.engine.NstException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Coverage-guided fuzzing of the {@code --like} metadata parser (issue 13): a PNG's tEXt chunks, the "nst:options"
 * line split into words ({@link ShellWords}), the filter of what a picture may set ({@link LikeOptions}) and the
 * parse into a stylize command. The property: it parses, or it refuses with an {@link NstException} that has a
 * message; never another exception. Nothing is run. Each input is small (Jazzer's default length limit), so time
 * and memory stay bounded; a hang fails through the per-input timeout.
 *
 * <p>In every build the committed corpus runs once (src/test/resources/nst/app/LikeFuzzTestInputs/METHOD/, made by
 * tools/make-like-fuzz-seeds.py); to
 * fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl app -am test -Dtest=LikeFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}
 * (each method for its maxDuration; findings go next to the corpus as crash-* files).
 */
class LikeFuzzTest {
    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());
    /** The command line the recorded options merge with: {@code stylize --like x.png --out o.png}. */
    private static final CommandSpec GIVEN = given();
    private static final Path PNG = temporaryFile();

    private static CommandSpec given() {
        CommandLine cl = new CommandLine(new StylizeCommand());
        cl.parseArgs("--like", "x.png", "--out", "o.png");
        return cl.getCommandSpec();
    }

    private static Path temporaryFile() {
        try {
            Path p = Files.createTempFile("nst-like-fuzz", ".png");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recorded line (the input's bytes as UTF-8): split, filtered, merged and parsed. */
    @FuzzTest(maxDuration = "60s")
    void recordedOptions(byte[] line) {
        try {
            LikeOptions.Recorded r = LikeOptions.filter(ShellWords.split(new String(line, StandardCharsets.UTF_8)), Set.of());
            assertNotNull(StylizeCommand.likeCommand(r, Path.of("x.png"), GIVEN, DISCARD));
        } catch (NstException e) {
            assertMessage(e);
        }
    }

    /** A whole file given to --like: the PNG decoder's metadata, then the same path. */
    @FuzzTest(maxDuration = "60s")
    void likePng(byte[] file) throws IOException {
        Files.write(PNG, file);
        try {
            LikeOptions.Recorded r = LikeOptions.read(PNG, Set.of());
            assertNotNull(StylizeCommand.likeCommand(r, PNG, GIVEN, DISCARD));
        } catch (NstException e) {
            assertMessage(e);
        }
    }

    private static void assertMessage(NstException e) {
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank(), "an empty message");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
