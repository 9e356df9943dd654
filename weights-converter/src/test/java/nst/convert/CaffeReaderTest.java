package nst.convert;

import nst.engine.io.SafeTensors;
import nst.engine.WeightsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static nst.convert.Fixtures.assertEmpty;
import static nst.convert.Fixtures.assertMessageNames;
import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Caffe reader on the tiny models and the hostile variants of tools/make_caffe_fixtures.py: a
 * hostile file is refused with one line that names the file and the problem, and leaves no output.
 * Leaves out the models every format shares (ConverterTest compares those byte for byte).
 */
class CaffeReaderTest {

    @TempDir Path tmp;

    private WeightsException refused(String name) throws IOException {
        Path in = fixture("caffe/" + name), dir = Files.createDirectories(tmp.resolve("out"));
        WeightsException e = assertThrows(WeightsException.class,
                () -> Converter.convert(in, dir.resolve("w.safetensors"), Converter.Options.defaults()));
        System.out.println(name + ": " + e.getMessage());
        assertEmpty(dir);
        assertMessageNames(e, in.toString());
        return e;
    }

    /**
     * The same values in both layer lists (new `layer` with BlobShape, V1 `layers` with num/channels/height/width),
     * in double_data, and one 32-bit field per value instead of packed, give the same tensors.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny_vgg16_v1.caffemodel", "tiny_vgg16_double.caffemodel", "tiny_vgg16_v1_unpacked.caffemodel"})
    void everyEncodingOfTheTinyModelGivesTheSameTensors(String variant) throws Exception {
        Path a = tmp.resolve("a.safetensors"), b = tmp.resolve("b.safetensors");
        assertEquals("vgg16", Converter.convert(fixture("caffe/tiny_vgg16.caffemodel"), a, Converter.Options.defaults()).arch());
        assertEquals("vgg16", Converter.convert(fixture("caffe/" + variant), b, Converter.Options.defaults()).arch());
        assertArrayEquals(Fixtures.dataSection(a), Fixtures.dataSection(b));
        try (SafeTensors.Reader r = SafeTensors.open(b)) {
            assertArrayEquals(new int[] {1, 3, 3, 3}, r.entries().get("conv1_1.weight").shape());
            assertArrayEquals(new int[] {1}, r.entries().get("conv5_3.bias").shape());
            float[] w = r.floats("conv1_1.weight");
            assertTrue(w[0] != w[1] && w[0] != 0, "random values, not a constant: " + java.util.Arrays.toString(w));
        }
    }

    @Test
    void aDimensionOf2To40IsRefused() throws IOException {
        assertMessageNames(refused("dim_2pow40.caffemodel"), "conv1_1", "dimension 1099511627776, not between 1 and 4096");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "too_many_elements.caffemodel   | conv1_1 | 150994944 values, more than",
            "negative_dim.caffemodel        | conv1_1 | dimension -1, not between 1 and 4096",
            "data_count_mismatch.caffemodel | conv1_1 | holds 26 values for shape [1, 3, 3, 3]",
            "wrong_wire_type_blob.caffemodel | conv6_1 | field 7 (shape) has wire type 0, expected 2"})
    void implausibleBlobsAreRefusedNamingTheLayer(String file, String layer, String problem) throws IOException {
        assertMessageNames(refused(file), layer, problem);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "truncated_varint.caffemodel     | truncated | ends inside a varint",
            "overlong_varint.caffemodel      | corrupt   | varint longer than 10 bytes",
            "length_beyond_file.caffemodel   | truncated | a length of 1000 bytes at byte 2353 runs past the end of the file (10 bytes left)",
            "negative_length.caffemodel      | corrupt   | a length of 18446744073709551615 bytes",
            "blob_beyond_layer.caffemodel    | corrupt   | a length of 200 bytes at byte 2355 runs past the end of its message (5 bytes left)",
            "deep_groups.caffemodel          | corrupt   | group (wire type 3) at byte 2351",
            "wrong_wire_type_name.caffemodel | corrupt   | field 1 (name) has wire type 0, expected 2"})
    void malformedWireFormatIsRefused(String file, String kind, String problem) throws IOException {
        assertMessageNames(refused(file), kind, problem);
    }
}
