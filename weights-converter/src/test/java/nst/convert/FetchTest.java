package nst.convert;

import com.sun.net.httpserver.HttpServer;
import nst.convert.cli.WeightsCommand;
import nst.engine.WeightsException;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static nst.convert.Fixtures.assertMessageNames;
import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fetch against a loopback HTTP server (127.0.0.1, ephemeral port) serving a fixture: a full download,
 * a connection cut half-way then a resumed download (HTTP Range honoured), a checksum mismatch, an
 * unreachable server. Leaves out the real publishers' addresses (tests never leave the machine).
 */
class FetchTest {

    @TempDir Path tmp;
    HttpServer server;
    byte[] body;
    final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean cutNext = new AtomicBoolean();

    @BeforeEach
    void start() throws IOException {
        body = Files.readAllBytes(fixture("vgg19_keras.h5"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/weights.h5", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            int from = 0;
            if (range != null && range.startsWith("bytes=")) from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            if (from > 0) {
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            OutputStream os = ex.getResponseBody();
            if (cutNext.getAndSet(false)) { // send half, then drop the connection
                os.write(body, from, (body.length - from) / 2);
                os.flush();
                ex.getHttpContext().getServer();
                ex.close();               // closes before Content-Length is reached
                return;
            }
            os.write(body, from, body.length - from);
            os.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private OfficialWeights.Entry entry(String md5) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/weights.h5");
        return new OfficialWeights.Entry("vgg19", OfficialWeights.Source.KERAS, "weights.h5", url, "MD5", md5, "test fixture md5");
    }

    private Downloader downloader(ByteArrayOutputStream err) {
        return new Downloader(new PrintStream(err, true));
    }

    @Test
    void fullDownloadIsCheckedAndConverted() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String md5 = Downloader.digest(fixture("vgg19_keras.h5"), "MD5");
        Converter.Result r = Fetcher.fetch(entry(md5), tmp, false, downloader(err), new PrintStream(err));
        assertEquals(tmp.resolve("vgg19.safetensors"), r.out());
        VggWeights w = VggWeights.load(r.out());
        assertTrue(w.source().contains(md5) && w.source().contains("127.0.0.1"), w.source());
        assertTrue(err.toString().contains("/s"), "progress with a rate on stderr: " + err);
        assertFalse(Files.exists(tmp.resolve("downloads/weights.h5")), "the original is not kept by default");
        assertFalse(Files.exists(tmp.resolve("downloads/weights.h5.part")));
        System.out.println("progress: " + err.toString().replace('\r', '|'));
    }

    @Test
    void interruptedDownloadResumesWithRange() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String md5 = Downloader.digest(fixture("vgg19_keras.h5"), "MD5");
        cutNext.set(true);
        WeightsException cut = assertThrows(WeightsException.class, () -> Fetcher.fetch(entry(md5), tmp, true, downloader(err), new PrintStream(err)));
        assertMessageNames(cut, "interrupted", "resume");
        Path part = tmp.resolve("downloads/weights.h5.part");
        long partial = Files.size(part);
        assertTrue(partial > 0 && partial < body.length, "a partial file stays: " + partial);
        assertFalse(Files.exists(tmp.resolve("vgg19.safetensors")));

        Converter.Result r = Fetcher.fetch(entry(md5), tmp, true, downloader(err), new PrintStream(err));
        assertEquals("bytes=" + partial + "-", ranges.getLast(), "the second request asks for the rest");
        assertArrayEquals(body, Files.readAllBytes(tmp.resolve("downloads/weights.h5")));
        VggWeights.load(r.out());
        System.out.println("cut at " + partial + " of " + body.length + " bytes; requests: " + ranges);
    }

    @Test
    void checksumMismatchDeletesTheDownload() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String wrong = "0123456789abcdef0123456789abcdef";
        WeightsException e = assertThrows(WeightsException.class, () -> Fetcher.fetch(entry(wrong), tmp, true, downloader(err), new PrintStream(err)));
        assertMessageNames(e, "checksum mismatch", "expected MD5 " + wrong, "got " + Downloader.digest(fixture("vgg19_keras.h5"), "MD5"));
        assertFalse(Files.exists(tmp.resolve("downloads/weights.h5.part")));
        assertFalse(Files.exists(tmp.resolve("downloads/weights.h5")));
        assertFalse(Files.exists(tmp.resolve("vgg19.safetensors")));
    }

    @Test
    void unreachableServerSaysHowToConvertInstead() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } // closed: nothing listens there now
        OfficialWeights.Entry e = entry("00").withUrl(URI.create("http://127.0.0.1:" + port + "/vgg19.h5"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        WeightsException ex = assertThrows(WeightsException.class, () -> Fetcher.fetch(e, tmp, false, downloader(err), new PrintStream(err)));
        assertMessageNames(ex, "cannot reach http://127.0.0.1:" + port + "/vgg19.h5", "nst weights convert FILE");
    }

    @Test
    void cliFetchWithUrlKeepsThePublishedChecksum() throws Exception {
        // A mirror serving a file that is not the official one fails the official MD5.
        CliTest.Run r = CliTest.run("fetch", "vgg19", "--url", "http://127.0.0.1:" + server.getAddress().getPort() + "/weights.h5",
                "--dir", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("checksum mismatch") && r.err().contains("253f8cb515780f3b799900260a226db6"), r.err());
        assertFalse(Files.exists(tmp.resolve("vgg19.safetensors")));
    }

    @Test
    void officialTableIsComplete() {
        for (String arch : List.of("vgg16", "vgg19"))
            for (String src : List.of("keras", "torchvision", "caffe")) {
                OfficialWeights.Entry e = OfficialWeights.find(arch, src);
                assertTrue(e.url().toString().startsWith("https://"), e.toString());
            }
        assertTrue(OfficialWeights.find("vgg19", "torchvision").url().toString().endsWith("vgg19-dcbb9e9d.pth"));
        assertEquals("dcbb9e9d", OfficialWeights.find("vgg19", "torchvision").expected());
    }
}
