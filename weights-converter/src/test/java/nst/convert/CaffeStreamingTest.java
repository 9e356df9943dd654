package nst.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Caffe reader never holds a fully connected blob: the tiny VGG16 followed by a 160 MiB InnerProduct
 * layer converts in a JVM capped at -Xmx32m, so holding that blob, or the file, would fail with
 * OutOfMemoryError (the exit code is the assertion). The real VGG19 caffemodel is 548 MB, 480 MB of it
 * fully connected. Leaves out timing (benchmarks measure speed).
 */
class CaffeStreamingTest {

    static final int FC_VALUES = 40 << 20;   // 160 MiB of floats, five times the child's heap

    @TempDir Path tmp;

    @Test
    void aFullyConnectedBlobLargerThanTheHeapIsSkipped() throws Exception {
        Path tiny = fixture("caffe/tiny_vgg16.caffemodel"), big = tmp.resolve("big.caffemodel");
        try (OutputStream out = Files.newOutputStream(big)) {
            out.write(Files.readAllBytes(tiny));
            writeZeroFcLayer(out, FC_VALUES);
        }
        Path fromBig = tmp.resolve("big.safetensors"), fromTiny = tmp.resolve("tiny.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(java, "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                FullSizeProbe.class.getName(), big.toString(), fromBig.toString())
                .redirectErrorStream(true).start();
        String log = new String(proc.getInputStream().readAllBytes());
        System.out.print(log);
        assertEquals(0, proc.waitFor(), "a " + Files.size(big) + "-byte caffemodel under -Xmx32m:\n" + log);
        Converter.convert(tiny, fromTiny, Converter.Options.defaults());
        assertArrayEquals(Fixtures.dataSection(fromTiny), Fixtures.dataSection(fromBig), "the fc layer changes nothing");
    }

    /**
     * Appends NetParameter.layer (field 100) {name "fc_big", type "InnerProduct", blobs {shape {dim: n},
     * data: n packed zeros}}, streaming the zeros.
     */
    private static void writeZeroFcLayer(OutputStream out, int n) throws IOException {
        ByteArrayOutputStream dims = new ByteArrayOutputStream();
        varint(dims, n);
        ByteArrayOutputStream shape = field(1, dims.toByteArray());                   // BlobShape.dim, packed
        ByteArrayOutputStream blobHead = field(7, shape.toByteArray());               // BlobProto.shape
        tag(blobHead, 5);                                                             // BlobProto.data, packed
        varint(blobHead, 4L * n);
        long blobLength = blobHead.size() + 4L * n;
        ByteArrayOutputStream layerHead = field(1, "fc_big".getBytes(StandardCharsets.UTF_8));
        layerHead.write(field(2, "InnerProduct".getBytes(StandardCharsets.UTF_8)).toByteArray());
        tag(layerHead, 7);                                                            // LayerParameter.blobs
        varint(layerHead, blobLength);
        ByteArrayOutputStream netHead = new ByteArrayOutputStream();
        tag(netHead, 100);                                                            // NetParameter.layer
        varint(netHead, layerHead.size() + blobLength);
        out.write(netHead.toByteArray());
        out.write(layerHead.toByteArray());
        out.write(blobHead.toByteArray());
        byte[] zeros = new byte[1 << 20];
        for (long left = 4L * n; left > 0; left -= zeros.length) out.write(zeros, 0, (int) Math.min(zeros.length, left));
    }

    /** A length-delimited field (wire type 2). */
    private static ByteArrayOutputStream field(int number, byte[] value) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        tag(b, number);
        varint(b, value.length);
        b.write(value);
        return b;
    }

    private static void tag(ByteArrayOutputStream b, int number) {
        varint(b, (long) number << 3 | ProtobufReader.LEN);
    }

    private static void varint(ByteArrayOutputStream b, long v) {
        for (; (v & ~0x7fL) != 0; v >>>= 7) b.write((int) (v & 0x7f) | 0x80);
        b.write((int) v);
    }
}
