package nst.convert;

import nst.engine.io.SafeTensors;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real-size torchvision VGG19 (random weights, legacy container, ~548 MB, written by
 * {@code /usr/bin/python3 tools/make_fullsize_pth.py [OUT]}) converts exactly in a JVM capped at -Xmx48m, far below the file size:
 * the converter streams one tensor at a time and never reads the fully connected layers. NST_FULLSIZE_PTH
 * (system property or environment) names the file, e.g. {@code NST_FULLSIZE_PTH=/tmp/nst-fullsize/vgg19-fullsize-legacy.pth
 * ./mvnw -o -q -pl weights-converter -am test -Dtest=FullSizeTest -Dsurefire.failIfNoSpecifiedTests=false}; without it the test skips itself, or fails when
 * NST_REQUIRE_FULLSIZE=true (as .ci/run sets). {@code -Dnst.fullsize.heap} changes the heap (e.g. 32m).
 */
class FullSizeTest {

    /**
     * The converter's heap, an eleventh of the file. It also runs in 32 MiB (peak 30.4 MiB measured, OutOfMemoryError
     * at 24 MiB); 48 leaves the test a margin.
     */
    static final String HEAP = System.getProperty("nst.fullsize.heap", "48m");

    @TempDir Path tmp;

    @Test
    void realSizeVgg19ConvertsInASmallHeap() throws Exception {
        String p = System.getProperty("NST_FULLSIZE_PTH", System.getenv("NST_FULLSIZE_PTH"));
        boolean present = p != null && Files.isRegularFile(Path.of(p));
        if (!present && "true".equals(System.getenv("NST_REQUIRE_FULLSIZE")))
            fail("NST_REQUIRE_FULLSIZE=true but NST_FULLSIZE_PTH (" + p + ") is not a file; .ci/run writes it with /usr/bin/python3 tools/make_fullsize_pth.py");
        Assumptions.assumeTrue(present,
                "set NST_FULLSIZE_PTH to a file written by '/usr/bin/python3 tools/make_fullsize_pth.py' to run this test");
        Path in = Path.of(p), out = tmp.resolve("vgg19.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(java, "-Xmx" + HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                FullSizeProbe.class.getName(), in.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(proc.getInputStream().readAllBytes());
        int code = proc.waitFor();
        System.out.print(log);
        assertEquals(0, code, "conversion under -Xmx" + HEAP + " failed:\n" + log);
        Matcher m = Pattern.compile("PROBE (\\S+) (\\d+) (\\d+) (\\d+)").matcher(log);
        assertTrue(m.find(), log);
        long peak = Long.parseLong(m.group(2)), live = Long.parseLong(m.group(3)), collections = Long.parseLong(m.group(4)), size = Files.size(in);
        System.out.printf("full size: %.2f s, peak heap %.1f MiB, peak live heap %.1f MiB (%d collections) for a %.1f MiB file%n",
                Double.parseDouble(m.group(1)), peak / 1048576.0, live / 1048576.0, collections, size / 1048576.0);
        // The peak heap use counts uncollected garbage and so follows the -Xmx cap; the live heap after each
        // collection is what the converter holds. Streaming one tensor at a time holds the largest tensor (conv5_x,
        // 512·512·3·3 floats, 9 MiB) about three times: its bytes as read, its floats, its bytes as written. Four
        // copies is the bound (measured: 30.0 MiB, 3.3 copies, under -Xmx48m); holding two tensors at once, or the
        // classifier's 392 MiB, breaks it well below the cap.
        long largest = 512L * 512 * 3 * 3 * Float.BYTES;
        assertTrue(collections > 0, "no garbage collection in a " + size + "-byte conversion under -Xmx" + HEAP + ": the probe measured nothing\n" + log);
        assertTrue(live <= 4 * largest, "peak live heap " + live + " bytes exceeds 4 copies of the largest tensor (" + 4 * largest + " bytes)");

        // Exactness: each tensor's float32 bytes hash to what PyTorch wrote in the sidecar. Every digest is distinct
        // (nonzero random biases), so a tensor stored under another layer's name cannot match by accident.
        String json = Files.readString(Path.of(p + ".sha256.json"));
        Matcher d = Pattern.compile("\"(conv\\d_\\d\\.(?:weight|bias))\": \"([0-9a-f]{64})\"").matcher(json);
        int checked = 0;
        java.util.Set<String> digests = new java.util.HashSet<>();
        try (SafeTensors.Reader r = SafeTensors.open(out)) {
            while (d.find()) {
                assertTrue(digests.add(d.group(2)), d.group(1) + " hashes like another tensor of the fixture (all-zero biases?); "
                        + "regenerate it with '/usr/bin/python3 tools/make_fullsize_pth.py'");
                float[] v = r.floats(d.group(1));
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
                assertEquals(d.group(2), h, d.group(1));
                checked++;
            }
        }
        assertEquals(32, checked);
        assertEquals("vgg19", VggWeights.load(out).spec().arch());
        assertTrue(VggWeights.load(out).spec().standardWidths());
    }
}
