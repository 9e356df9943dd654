package nst.spark;

import nst.engine.NstException;
import nst.engine.StyleOptions;
import nst.engine.image.Image;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.*;

/** An executor's weights cache, outside Spark: one read per file content, a changed file read again. */
class ExecutorCacheTest {
    @TempDir Path dir;
    final Configuration conf = new Configuration();

    @AfterEach
    void forget() { ExecutorCache.closeAll(); }

    static StyleOptions options(String weights) {
        Image im = Image.blank(16, 16);
        return StyleOptions.builder().content(im).style(im).size(16).weights(weights).build();
    }

    static VggWeights narrow(long seed) {
        return VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), seed, Preprocess.TORCHVISION);
    }

    @Test
    void aWeightsFileIsReadOncePerJvmAndAgainWhenItChanges() throws Exception {
        Path f = dir.resolve("w.safetensors");
        narrow(1).save(f);
        int before = ExecutorCache.LOADS.get();
        VggWeights a = ExecutorCache.weights(options(f.toString()), conf, null);
        VggWeights b = ExecutorCache.weights(options(f.toUri().toString()), conf, null);   // file: URI, same file
        assertSame(a, b);
        assertEquals(1, ExecutorCache.LOADS.get() - before);

        narrow(2).save(f);
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 2000));
        VggWeights c = ExecutorCache.weights(options(f.toString()), conf, null);
        assertNotSame(a, c);
        assertEquals(2, ExecutorCache.LOADS.get() - before);
        assertNotEquals(a.conv("conv1_1").weight()[0], c.conv("conv1_1").weight()[0]);
    }

    @Test
    void randomWeightsAreMadeOncePerModelAndSeed() throws Exception {
        VggWeights a = ExecutorCache.weights(options("random"), conf, null);
        assertSame(a, ExecutorCache.weights(options("random"), conf, null));
    }

    @Test
    void aMissingWeightsFileSaysWhereItWasLookedFor() {
        var e = assertThrows(NstException.class, () -> ExecutorCache.weights(options(dir.resolve("none.safetensors").toString()), conf, null));
        assertTrue(e.getMessage().contains("--files"), e.getMessage());
    }
}
