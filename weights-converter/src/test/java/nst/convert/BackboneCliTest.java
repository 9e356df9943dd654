package nst.convert;

import com.sun.net.httpserver.HttpServer;
import nst.engine.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nst weights convert|info|fetch} for AdaIN and ResNet-50: the two-file convert in either order, info on
 * both kinds of file, fetch of AdaIN's two release files and of ResNet-50 from a loopback server (no network),
 * and the official table. Leaves out the real publishers' addresses.
 */
class BackboneCliTest {

    @TempDir Path tmp;

    @Test
    void convertAdainThenInfo() throws Exception {
        Path out = tmp.resolve("adain.safetensors");
        CliTest.Run c = CliTest.run("convert", fixture("adain_decoder_legacy.pth").toString(), fixture("adain_vgg_normalised_legacy.pth").toString(),
                "--out", out.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("wrote " + out + ": adain, preprocess none, 26 conv layers"), c.out());
        CliTest.Run i = CliTest.run("info", out.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("arch:        adain") && i.out().contains("preprocess:  none"), i.out());
        assertTrue(i.out().contains("encoder.51") && i.out().contains("decoder.28"), i.out());
        assertTrue(i.out().contains("sha256:      " + Downloader.digest(out, "SHA-256")), i.out());

        CliTest.Run alone = CliTest.run("convert", fixture("adain_decoder_zip.pth").toString(), "--out", tmp.resolve("x.safetensors").toString());
        assertEquals(1, alone.code());
        assertEquals(1, alone.err().strip().lines().count(), alone.err());
        assertTrue(alone.err().contains("an AdaIN decoder without its encoder"), alone.err());
        CliTest.Run three = CliTest.run("convert", "a", "b", "c");
        assertEquals(2, three.code());
    }

    @Test
    void convertResNetThenInfo() throws Exception {
        Path out = tmp.resolve("r.safetensors");
        CliTest.Run c = CliTest.run("convert", fixture("resnet50_tv_tar.pth").toString(), "--out", out.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("resnet50, preprocess torchvision, 53 conv layers") && c.out().contains("tar container"), c.out());
        assertTrue(c.out().contains("note: folded 53 batch norms"), c.out());
        CliTest.Run i = CliTest.run("info", out.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("arch:        resnet50 (batch norm folded, stem width 4)"), i.out());
        assertTrue(i.out().contains("variant:     v1.5"), i.out());
        assertTrue(i.out().contains("layer4.2.conv3") && i.out().contains("layer1.0.downsample"), i.out());

        CliTest.Run vgg = CliTest.run("convert", fixture("resnet50_keras_notop.h5").toString(), "--arch", "vgg19", "--out", out.toString() + "2");
        assertEquals(1, vgg.code());
        assertTrue(vgg.err().contains("holds ResNet-50 weights, but vgg19 was asked"), vgg.err());
        CliTest.Run bad = CliTest.run("convert", fixture("resnet50_keras_notop.h5").toString(), "--arch", "resnet18");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown --arch 'resnet18'; known: vgg16, vgg19, resnet50, adain"), bad.err());
    }

    @Test
    void fetchAdainDownloadsBothFilesAndConvertsThem() throws Exception {
        Map<String, byte[]> files = Map.of("/vgg_normalised.pth", Files.readAllBytes(fixture("adain_vgg_normalised_zip.pth")),
                "/decoder.pth", Files.readAllBytes(fixture("adain_decoder_legacy.pth")));
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.add(ex.getRequestURI().getPath());
            byte[] body = files.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            List<OfficialWeights.Entry> es = new ArrayList<>();
            for (OfficialWeights.Entry e : OfficialWeights.findAll("adain", null))
                es.add(e.withUrl(URI.create(base + "/" + e.fileName())));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Converter.Result r = Fetcher.fetch(es, tmp, false, new Downloader(new PrintStream(err, true)), new PrintStream(err, true));
            assertEquals(tmp.resolve("adain.safetensors"), r.out());
            assertEquals(List.of("/vgg_normalised.pth", "/decoder.pth"), requests);
            assertTrue(err.toString().contains("note: vgg_normalised.pth has no published checksum; its SHA-256 is"), err.toString());
            try (SafeTensors.Reader rd = SafeTensors.open(r.out())) {
                assertEquals("adain", rd.metadata().get("arch"));
                String src = rd.metadata().get("source");
                assertTrue(src.contains("pytorch-adain vgg_normalised.pth from " + base) && src.contains("decoder.pth") && src.contains("no checksum published"), src);
            }
            assertFalse(Files.exists(tmp.resolve("downloads/decoder.pth")), "originals are not kept by default");

            // resnet50 through a mirror: the published SHA-256 prefix of IMAGENET1K_V1 still applies
            CliTest.Run mirror = CliTest.run("fetch", "resnet50", "--url", base + "/decoder.pth", "--dir", tmp.resolve("m").toString());
            assertEquals(1, mirror.code());
            assertTrue(mirror.err().contains("checksum mismatch") && mirror.err().contains("0676ba61"), mirror.err());
            CliTest.Run two = CliTest.run("fetch", "adain", "--url", base + "/decoder.pth", "--dir", tmp.resolve("m").toString());
            assertEquals(1, two.code());
            assertTrue(two.err().contains("--url names one file; adain is 2 files"), two.err());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void officialTableHasResNetAndAdain() {
        OfficialWeights.Entry tv = OfficialWeights.find("resnet50", null);
        assertEquals("https://download.pytorch.org/models/resnet50-0676ba61.pth", tv.url().toString());
        assertEquals("0676ba61", tv.expected());
        OfficialWeights.Entry k = OfficialWeights.find("resnet50", "keras");
        assertEquals("https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", k.url().toString());
        assertEquals("4d473c1dd8becc155b73f8504c6f6626", k.expected());
        List<OfficialWeights.Entry> a = OfficialWeights.findAll("adain", null);
        assertEquals(List.of("https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/vgg_normalised.pth",
                "https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/decoder.pth"), a.stream().map(e -> e.url().toString()).toList());
        assertTrue(a.stream().noneMatch(OfficialWeights.Entry::hasChecksum));
        assertEquals("keras", OfficialWeights.defaultSource("vgg19"));
    }
}
