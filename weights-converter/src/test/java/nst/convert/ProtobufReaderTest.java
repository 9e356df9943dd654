package nst.convert;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static nst.convert.Fixtures.assertMessageNames;
import static nst.convert.Fixtures.fixture;
import static nst.convert.ProtobufReader.I32;
import static nst.convert.ProtobufReader.I64;
import static nst.convert.ProtobufReader.LEN;
import static nst.convert.ProtobufReader.VARINT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire-format reader on bytes written by Python's protobuf (wire_sample.bin and wire_group.bin, a
 * {@code nsttest.WireSample} of tools/wire_sample.proto, written by tools/make_caffe_fixtures.py): every
 * wire type's value, skipping, nested messages, and every truncation of the sample. Malformed varints,
 * tags and lengths are hand-built bytes, each spelled out beside its test. Leaves out Caffe's messages
 * (CaffeReaderTest).
 */
class ProtobufReaderTest {

    @TempDir Path tmp;
    private final List<FileChannel> open = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (FileChannel c : open) c.close();
    }

    private ProtobufReader reader(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file);
        open.add(ch);
        return new ProtobufReader(ch, 0, ch.size());
    }

    private ProtobufReader reader(byte[] bytes) throws IOException {
        Path f = Files.createTempFile(tmp, "wire", ".bin");
        Files.write(f, bytes);
        return reader(f);
    }

    private static void expectTag(ProtobufReader in, int field, int wireType) throws IOException {
        long tag = in.readTag();
        assertEquals(field, ProtobufReader.fieldNumber(tag), "field number");
        assertEquals(wireType, ProtobufReader.wireType(tag), "wire type of field " + field);
    }

    /** The values set in tools/make_caffe_fixtures.py, read back field by field in the order protobuf writes them. */
    @Test
    void readsEveryWireTypeAsPythonProtobufWroteIt() throws IOException {
        ProtobufReader in = reader(fixture("caffe/wire_sample.bin"));
        expectTag(in, 1, VARINT);
        assertEquals(1, in.readVarint());
        expectTag(in, 2, VARINT);
        assertEquals(-2, (int) in.readVarint());     // int32 -2, written as 10 bytes
        expectTag(in, 3, VARINT);
        assertEquals(-1L, in.readVarint());          // uint64 2^64 - 1
        expectTag(in, 4, I64);
        assertEquals(0x0123456789ABCDEFL, in.readFixed64());
        expectTag(in, 5, I64);
        assertEquals(-0.1, Double.longBitsToDouble(in.readFixed64()));
        expectTag(in, 6, LEN);
        assertEquals("conv1_1 µ", in.readString(64));
        expectTag(in, 7, LEN);                       // packed floats: one length, then 4 bytes a value
        assertEquals(12, in.readLength());
        for (float f : new float[] {1.5f, -2.25f, 3e-38f}) assertEquals(f, Float.intBitsToFloat(in.readFixed32()));
        for (float f : new float[] {0.5f, -0.0f}) {  // unpacked: a tag per value
            expectTag(in, 8, I32);
            assertEquals(Float.floatToIntBits(f), in.readFixed32());
        }
        expectTag(in, 9, I32);
        assertEquals(0xDEADBEEF, in.readFixed32());
        expectTag(in, 10, LEN);
        long outer = in.enter(in.readLength());
        expectTag(in, 1, VARINT);
        assertEquals(42, in.readVarint());
        expectTag(in, 6, LEN);
        assertNull(in.readString(4), "'inner' is longer than 4 bytes: skipped, not read");
        assertTrue(in.atEnd(), "the child message ends after its fields");
        in.exit(outer);
        assertTrue(in.atEnd(), "the sample ends after the child");
        assertEquals(Files.size(fixture("caffe/wire_sample.bin")), in.position());
    }

    /** Skipping every field by its wire type, and leaving a nested message half read, lands on the same end. */
    @Test
    void skipsEveryWireTypeAndTheRestOfANestedMessage() throws IOException {
        ProtobufReader in = reader(fixture("caffe/wire_sample.bin"));
        int fields = 0;
        while (!in.atEnd()) {
            long tag = in.readTag();
            fields++;
            if (ProtobufReader.fieldNumber(tag) == 10) {
                long outer = in.enter(in.readLength());
                expectTag(in, 1, VARINT);   // read one field of the child, leave the rest to exit
                in.exit(outer);
            } else {
                in.skipField(tag);
            }
        }
        assertEquals(11, fields, "fields 1-10, field 8 twice");
        assertEquals(Files.size(fixture("caffe/wire_sample.bin")), in.position());
    }

    /** Cut anywhere, the sample either ends on a field boundary or is reported truncated, never read past its end. */
    @Test
    void everyTruncationIsReportedAsTruncated() throws IOException {
        byte[] all = Files.readAllBytes(fixture("caffe/wire_sample.bin"));
        List<Long> boundaries = new ArrayList<>();
        ProtobufReader whole = reader(all);
        while (!whole.atEnd()) {
            whole.skipField(whole.readTag());
            boundaries.add(whole.position());
        }
        int truncated = 0;
        for (int cut = 1; cut < all.length; cut++) {
            ProtobufReader in = reader(java.util.Arrays.copyOf(all, cut));
            try {
                while (!in.atEnd()) in.skipField(in.readTag());
                assertTrue(boundaries.contains((long) cut), "a cut at " + cut + " inside a field went unnoticed");
            } catch (ProtobufReader.Malformed e) {
                assertTrue(e.truncated(), "cut at " + cut + ": " + e.getMessage());
                assertFalse(boundaries.contains((long) cut), "a cut at the field boundary " + cut + " is a shorter message, not an error");
                truncated++;
            }
        }
        assertEquals(all.length - 1 - (boundaries.size() - 1), truncated);
    }

    /** Python wrote `small = 3` then the group `Legacy { x = 5 }`: 08 03 | 5b (field 11, wire type 3) 08 05 5c (end group). */
    @Test
    void groupsAreRefused() throws IOException {
        ProtobufReader in = reader(fixture("caffe/wire_group.bin"));
        in.skipField(in.readTag());
        ProtobufReader.Malformed e = assertThrows(ProtobufReader.Malformed.class, in::readTag);
        assertMessageNames(e, "a protobuf group (wire type 3) at byte 2");
        assertFalse(e.truncated());
    }

    /** Hand-built bytes, in hex; each refused with what is wrong and where. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // a varint whose 10th byte carries more than the 64th bit
            "ffffffffffffffffff02 | a varint at byte 0 does not fit in 64 bits",
            // 11 bytes with the continuation bit
            "ffffffffffffffffffff01 | a varint longer than 10 bytes at byte 0",
            // tag 0x00: field number 0
            "0001 | field number 0 at byte 0",
            // tag 0x0e: field 1, wire type 6
            "0e00 | wire type 6 at byte 0",
            // tag 0x0c: field 1, wire type 4 (an end group without a start)
            "0c | a protobuf group (wire type 4) at byte 0",
            // tag 0x80 0x80 0x80 0x80 0x10: field number 2^32 >> 3 = 2^29, one past the largest
            "8080808010 | field number 536870912 at byte 0"})
    void malformedTagsAndVarintsAreRefused(String hex, String message) throws IOException {
        ProtobufReader in = reader(HexFormat.of().parseHex(hex));
        ProtobufReader.Malformed e = assertThrows(ProtobufReader.Malformed.class, () -> in.skipField(in.readTag()));
        assertMessageNames(e, message);
        assertFalse(e.truncated(), "corrupt, not truncated: " + e.getMessage());
    }

    /** 12 03 | 0a 05 ...: field 2 holds 3 bytes, in which field 1 declares 5; the file has 5 more, the message 1. */
    @Test
    void aLengthIsCheckedAgainstItsMessageNotOnlyTheFile() throws IOException {
        ProtobufReader in = reader(HexFormat.of().parseHex("1203" + "0a05" + "00" + "0000000000"));
        expectTag(in, 2, LEN);
        in.enter(in.readLength());
        expectTag(in, 1, LEN);
        ProtobufReader.Malformed e = assertThrows(ProtobufReader.Malformed.class, in::readLength);
        assertMessageNames(e, "a length of 5 bytes at byte 3 runs past the end of its message (1 bytes left)");
        assertFalse(e.truncated());
    }
}
