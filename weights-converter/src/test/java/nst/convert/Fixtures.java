package nst.convert;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test helpers: the committed fixtures ({@code /usr/bin/python3 tools/make_converter_fixtures.py} from the repository
 * root) and checks that a failed
 * conversion left nothing behind. Leaves out the assertions on content (see the tests).
 */
final class Fixtures {
    private Fixtures() {}

    static final String REGENERATE = "fixtures come from PyTorch: regenerate with '/usr/bin/python3 tools/make_converter_fixtures.py'";

    static Path fixture(String name) {
        var url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalStateException("missing fixture " + name + "; " + REGENERATE);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data section of a safetensors file (everything after the header). */
    static byte[] dataSection(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return java.util.Arrays.copyOfRange(all, (int) (8 + len), all.length);
    }

    /** The directory holds no file at all (no output, no temporary file). */
    static void assertEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> left = s.toList();
            assertTrue(left.isEmpty(), "a failed conversion left files behind: " + left);
        }
    }

    static void assertMessageNames(Throwable t, String... parts) {
        for (String p : parts) assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should mention '" + p + "'");
        assertEquals(-1, t.getMessage().indexOf('\n'), "one-line message expected: " + t.getMessage());
    }
}
