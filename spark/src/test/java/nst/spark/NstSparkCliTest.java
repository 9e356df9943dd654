package nst.spark;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The spark-submit application's usage errors: exit 2 and one line, before any Spark context starts. */
class NstSparkCliTest {
    static String[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setErr(new PrintStream(b, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = NstSpark.run(args);
        } finally {
            System.setErr(old);
        }
        return new String[] {Integer.toString(code), b.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void jobsMustComeFromAManifestOrFromContentsAndStylesNotBoth() {
        String[] none = run("--out-dir", "out");
        assertEquals("2", none[0]);
        assertTrue(none[1].contains("give --manifest, or --content and --style"), none[1]);
        String[] both = run("--manifest", "m.jsonl", "--content", "c.png", "--style", "s.png", "--out-dir", "out");
        assertEquals("2", both[0]);
        assertEquals(1, both[1].strip().lines().count(), both[1]);
    }

    @Test
    void theOutputFolderIsRequired() {
        assertEquals("2", run("--manifest", "m.jsonl")[0]);
    }
}
