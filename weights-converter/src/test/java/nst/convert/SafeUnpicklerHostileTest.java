package nst.convert;

import nst.engine.WeightsException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-assembled hostile pickles beside the crafted files of HostileWeightsTest: structures that are
 * harmless as data but recurse, hash or print forever in Java's collections, and malformed scalars.
 */
class SafeUnpicklerHostileTest {

    private static Object load(byte[] pickle) throws IOException {
        return new SafeUnpickler(new ByteArrayInputStream(pickle), "t.pkl", null).load();
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2});
        for (Object p : parts) {
            if (p instanceof String s) b.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            else b.write((Integer) p);
        }
        return b.toByteArray();
    }

    private static String refused(byte[] pickle) {
        return assertThrows(WeightsException.class, () -> load(pickle)).getMessage();
    }

    @Test
    void aListThatContainsItselfIsRefused() {
        // L = []; L.append(L); the value (not a key): toString/hashCode on it would never end
        assertEquals("t.pkl: a container (ArrayList) that contains itself; a state dict has no recursion",
                refused(bytes("]q", 0, "h", 0, "a.")));
    }

    @Test
    void deepTuplesAreRefused() {
        String msg = refused(bytes("K", 1, "\u0085".repeat(5000), "."));
        assertEquals("t.pkl: containers nested deeper than 32 levels; a state dict nests 3", msg);
    }

    @Test
    void aSharedListGraphAsValueIsWalkedInLinearTime() {
        // L0 = [], L(k+1) = [Lk, Lk], 50 levels: 2^50 paths; as a value it is walked once per list
        StringBuilder p = new StringBuilder("]q\u0000" + "0");
        for (int k = 1; k <= 50; k++) {
            p.append("](h").append((char) (k - 1)).append('h').append((char) (k - 1)).append("eq").append((char) k);
            if (k < 50) p.append('0');
        }
        p.append('.');
        String msg = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> refused(bytes(p.toString())));
        assertEquals("t.pkl: containers nested deeper than 32 levels; a state dict nests 3", msg);
    }

    @Test
    void manyNestedMarksAreRefused() {
        assertEquals("t.pkl: nested deeper than 32 levels; a state dict is not", refused(bytes("(".repeat(40))));
    }

    @Test
    void noneInsideATupleIsRead() throws IOException {
        // TUPLE1 of None once failed with a NullPointerException (List.of(null))
        Object v = load(bytes("}X", 1, 0, 0, 0, "kN\u0085s."));
        assertEquals(List.of("k"), List.copyOf(((Map<?, ?>) v).keySet()));
        assertEquals(1, ((SafeUnpickler.Tuple) ((Map<?, ?>) v).get("k")).size());
    }

    @Test
    void namesFromTheFileCannotBreakTheLine() {
        // found by PickleFuzzTest: a REDUCE on a string holding a newline printed it into the message
        String msg = refused(bytes("X", 5, 0, 0, 0, "a\nb\u001b[)R."));
        assertEquals("t.pkl: refused call of a non-global 'a\\u000ab\\u001b['", msg);
    }

    @Test
    void malformedScalarsAreRefusedWithTheirPosition() {
        assertTrue(refused(bytes("Fnot-a-float\n.")).startsWith("t.pkl: malformed float 'not-a-float' at byte "));
        assertTrue(refused(bytes("L" + "9".repeat(5000) + "\n.")).startsWith("t.pkl: malformed integer '99999"));
        assertTrue(refused(bytes("gx1\n.")).startsWith("t.pkl: malformed pickle (memo key 'x1' is not a number"));
    }
}
