package nst.engine;

import nst.engine.io.WeightsLimits;

import nst.engine.io.SafeTensors;
import nst.engine.network.VggWeights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile safetensors headers (issue 13): sizes are checked against WeightsLimits before anything is
 * allocated. Before the fix, a sparse file declaring a 12000×12000×3×3 tensor (5.2 GB, all of it a hole)
 * truncated the byte count to an int and failed with a BufferUnderflowException after 6.7 GB; a shape
 * whose product overflows a long passed the size check.
 */
class SafeTensorsHostileTest {

    @TempDir Path tmp;

    /** A file of this header, padded, whose data section is a hole of {@code dataBytes}. */
    private Path sparse(String json, long dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        Path p = tmp.resolve("hostile.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(h);
            while (head.hasRemaining()) head.put((byte) ' ');
            f.write(head.array());
            f.setLength(8 + padded + dataBytes); // sparse: no disk used
        }
        return p;
    }

    private static String header(String shape, long bytes) {
        return "{\"__metadata__\":{\"arch\":\"vgg19\",\"preprocess\":\"caffe\",\"source\":\"hostile\"},"
                + "\"conv1_1.weight\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0," + bytes + "]}}";
    }

    @Test
    void sparseTwelveThousandSquaredIsRefusedBeforeReading() throws IOException {
        long bytes = 12000L * 12000 * 9 * 4;
        Path p = sparse(header("[12000,12000,3,3]", bytes), bytes);
        WeightsException e = assertThrows(WeightsException.class, () -> VggWeights.load(p));
        assertEquals(p + ": tensor 'conv1_1.weight' has shape 12000×12000×3×3, more than 33554432 values; no VGG layer has as many",
                e.getMessage());
    }

    @Test
    void aShapeWhoseProductOverflowsIsRefused() throws IOException {
        // 2^25 · 2^25 · 2^25 · 2^16 = 2^91: a long product wraps (to 0), so a byte-count comparison alone cannot tell
        Path p = sparse(header("[33554432,33554432,33554432,65536]", 16), 16);
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().contains("more than 33554432 values"), e.getMessage());
    }

    @Test
    void aFractionalDimensionIsRefused() throws IOException {
        Path p = sparse(header("[1.5]", 4), 4);
        WeightsException e = assertThrows(WeightsException.class, () -> SafeTensors.open(p));
        assertEquals(p + ": tensor 'conv1_1.weight' has an invalid shape (dimension 0 is not an integer)", e.getMessage());
    }

    @Test
    void tooManyOutputChannelsAreRefused() throws IOException {
        // conv1_1 alone, 5000 wide: within the element limit, but wider than any VGG.
        Path p = sparse(header("[5000,3,3,3]", 5000L * 27 * 4), 5000L * 27 * 4);
        WeightsException e = assertThrows(WeightsException.class, () -> VggWeights.load(p));
        assertEquals(p + ": tensor 'conv1_1.weight' has 5000 output channels; no VGG layer has over 4096", e.getMessage());
    }
}
