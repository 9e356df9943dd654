package nst.app;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.batch.Batch;
import nst.engine.batch.BatchJob;
import nst.engine.batch.Outcome;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The Java API of batches: the callback per image, and a cancellation that leaves only whole outputs. */
class BatchApiTest {
    @TempDir Path dir;

    static final VggWeights NARROW = VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION);

    /** 32-pixel options on narrow random weights; the recorded options are the iterations. */
    static final Batch.Recipe RECIPE = new Batch.Recipe() {
        @Override public StyleOptions options(Image content, Image style) {
            return StyleOptions.builder().content(content).style(style).size(32).iterations(2).weightsData(NARROW)
                    .backend("scalar").build().validate();
        }
        @Override public Map<String, String> metadata(BatchJob job, StyleOptions o, StyleTransfer.Result r) {
            return Map.of(Batch.OPTIONS_KEY, "--iterations " + o.iterations());
        }
    };

    List<BatchJob> jobs(int n) throws Exception {
        Path content = dir.resolve("content.png"), style = dir.resolve("style.png");
        Images.writePng(noise(1), content, null);
        Images.writePng(noise(2), style, null);
        List<BatchJob> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(new BatchJob(content, style, dir.resolve("out" + i + ".png")));
        return l;
    }

    static Image noise(long seed) {
        float[] rgb = new float[3 * 32 * 32];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < rgb.length; i++) rgb[i] = r.nextFloat();
        return new Image(32, 32, rgb);
    }

    @Test
    void theCallbackHearsEveryImageAndTheOutcomesSayHowItEnded() throws Exception {
        List<String> heard = new ArrayList<>();
        List<Outcome> outcomes = new Batch(RECIPE, false, null).run(jobs(2), new Batch.Listener() {
            @Override public void starting(int index, int total, BatchJob job) { heard.add("start " + index + "/" + total); }
            @Override public void finished(int index, int total, Outcome o) { heard.add(o.status() + " " + index); }
        }, null);
        assertEquals(List.of("start 0/2", "DONE 0", "start 1/2", "DONE 1"), heard);
        assertEquals("--iterations 2", Images.readPngText(dir.resolve("out1.png")).get(Batch.OPTIONS_KEY));
        assertTrue(outcomes.get(0).finalLoss() > 0 && outcomes.get(0).reason() == null, outcomes.toString());
    }

    /** Ctrl-C during the second image: the first is whole, the second is not written, the third never starts. */
    @Test
    void aCancellationMidImageWritesNothingHalfMade() throws Exception {
        StyleTransfer.Cancellation cancel = new StyleTransfer.Cancellation();
        List<Outcome> outcomes = new Batch(RECIPE, false, null).run(jobs(3), new Batch.Listener() {
            @Override public StyleTransfer.Listener transfer(BatchJob job) {
                return new StyleTransfer.Listener() {
                    @Override public void iteration(StyleTransfer.Progress p) {
                        if (job.output().endsWith("out1.png")) cancel.cancel();
                    }
                };
            }
        }, cancel);
        assertEquals(1, outcomes.size(), outcomes.toString());
        assertEquals(Outcome.Status.DONE, outcomes.get(0).status());
        assertEquals("--iterations 2", Images.readPngText(dir.resolve("out0.png")).get(Batch.OPTIONS_KEY));
        assertFalse(Files.exists(dir.resolve("out1.png")));
        assertFalse(Files.exists(dir.resolve("out2.png")));
    }
}
