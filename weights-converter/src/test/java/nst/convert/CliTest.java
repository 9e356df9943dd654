package nst.convert;

import nst.convert.cli.WeightsCommand;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static nst.convert.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code weights} picocli commands: convert and info on fixtures, exit codes and one-line errors.
 * Leaves out fetch (FetchTest) and the default output location (~/.cache), which tests never write.
 */
class CliTest {

    @TempDir Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = WeightsCommand.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        System.out.println("$ nst weights " + String.join(" ", args) + "  -> exit " + code + "\n" + out + err);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void convertThenInfo() throws Exception {
        Path out = tmp.resolve("vgg19.safetensors");
        Run c = run("convert", fixture("vgg19_torchvision_legacy.pth").toString(), "--out", out.toString());
        assertEquals(0, c.code());
        assertTrue(c.out().contains("wrote " + out) && c.out().contains("vgg19") && c.out().contains("torchvision"), c.out());
        assertTrue(c.out().contains("note: dropped 6 fully connected tensors"), c.out());
        VggWeights.load(out);

        Run i = run("info", out.toString());
        assertEquals(0, i.code());
        assertTrue(i.out().contains("arch:        vgg19"), i.out());
        assertTrue(i.out().contains("preprocess:  torchvision"), i.out());
        assertTrue(i.out().contains("conv5_4"), i.out());
        assertTrue(i.out().contains("sha256:      " + Downloader.digest(out, "SHA-256")), i.out());
        long params = 0;
        VggWeights w = VggWeights.load(out);
        for (var l : w.spec().convLayers()) params += w.conv(l.name()).weight().length + w.conv(l.name()).bias().length;
        assertTrue(i.out().contains(String.format("parameters:  %,d", params)), i.out());
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws Exception {
        Path out = tmp.resolve("w.safetensors");
        Run r = run("convert", fixture("vgg16_caffe.caffemodel").toString(), "--arch", "vgg19", "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("weights convert: "), r.err());
        assertFalse(Files.exists(out));

        Run info = run("info", fixture("vgg19_keras.h5").toString());
        assertEquals(1, info.code());
        assertTrue(info.err().contains("Keras HDF5") && info.err().contains("nst weights convert"), info.err());

        Run opt = run("convert");
        assertEquals(2, opt.code());
        assertEquals(1, opt.err().strip().lines().count(), opt.err());

        Run src = run("fetch", "vgg16", "--source", "gatys", "--dir", tmp.toString());
        assertEquals(1, src.code());
        assertTrue(src.err().contains("gatys publishes vgg19 only"), src.err());
    }
}
