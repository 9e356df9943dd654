package nst.engine;

import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.LossTerms;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The embeddable API: progress, cancellation, failures, determinism, two transfers in one JVM; and image I/O. */
class StyleTransferTest {
    @TempDir Path dir;

    static final VggWeights NARROW = VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 5, Preprocess.TORCHVISION);

    static Image pattern(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[3 * w * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    v[(c * h + y) * w + x] = (float) (0.5 + 0.3 * Math.sin(0.3 * x * (c + 1) + 0.2 * y) + 0.1 * r.nextDouble());
        return new Image(w, h, v);
    }

    static StyleOptions.Builder small() {
        return StyleOptions.builder().content(pattern(40, 30, 1)).style(pattern(36, 36, 2)).size(40).weightsData(NARROW)
                .backend("scalar").iterations(6).styleWeight(1e3).tvWeight(1e-4);
    }

    @Test void progressHistoryAndIntermediates() {
        List<StyleTransfer.Evaluation> evals = new ArrayList<>();
        List<Integer> iterations = new ArrayList<>(), saved = new ArrayList<>();
        String[] started = {null};
        StyleTransfer.Result r = new StyleTransfer().run(small().saveEvery(2).build(), new StyleTransfer.Listener() {
            @Override public void started(String backend, int w, int h) { started[0] = backend + " " + w + "x" + h; }
            @Override public void evaluation(StyleTransfer.Evaluation e) { evals.add(e); }
            @Override public void iteration(StyleTransfer.Progress p) {
                iterations.add(p.iteration());
                assertEquals(6, p.iterations());
                assertTrue(p.elapsedSeconds() > 0 && p.image().width() == 40);
                assertNotNull(p.objective().activation("relu4_2"));
            }
            @Override public void intermediate(int iteration, Image image) { saved.add(iteration); }
        }, null);
        assertTrue(started[0].contains("40x30"), started[0]);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), iterations);
        assertEquals(List.of(2, 4), saved);
        assertEquals(evals, r.history());
        for (int i = 0; i < evals.size(); i++) assertEquals(i, evals.get(i).evaluation());
        assertEquals(0, evals.get(0).iteration(), "evaluation 0 is the starting image");
        assertTrue(r.finalTerms().total() < evals.get(0).terms().total(), "loss did not fall: " + r.history());
        assertFalse(r.cancelled());
        LossTerms t = r.finalTerms();
        assertEquals(t.total(), t.content() + t.style() + t.tv(), 1e-9 * t.total());
    }

    /**
     * Evaluation seconds count from the start of the optimisation: a slow weights upload (300 ms, before the
     * listener hears started()) is not in them, and row 0, the starting image, is no later than its own evaluation.
     */
    @Test void evaluationSecondsStartWithTheOptimisation() {
        FaultyBackend backend = new FaultyBackend();
        backend.firstUploadDelayMillis = 300;
        long[] started = {0}, firstHeard = {0};
        StyleTransfer.Result r = new StyleTransfer().run(small().build(), NARROW, backend, new StyleTransfer.Listener() {
            @Override public void started(String b, int w, int h) { started[0] = System.nanoTime(); }
            @Override public void evaluation(StyleTransfer.Evaluation e) { if (e.evaluation() == 0) firstHeard[0] = System.nanoTime(); }
        }, null);
        double window = (firstHeard[0] - started[0]) / 1e9, row0 = r.history().get(0).seconds();
        System.out.printf("row 0 at %.4f s; started() to its evaluation: %.4f s; whole run %.3f s%n", row0, window, r.seconds());
        assertTrue(row0 >= 0 && row0 <= window, "row 0's seconds " + row0 + " include time before the optimisation (" + window + " s since started)");
        for (int i = 1; i < r.history().size(); i++) assertTrue(r.history().get(i).seconds() >= r.history().get(i - 1).seconds());
        assertTrue(r.seconds() >= 0.3, "the run's own seconds include the setup");
    }

    @Test void sameOptionsGiveTheSameImageBitForBit() {
        StyleTransfer.Result a = new StyleTransfer().run(small().init(StyleOptions.Init.NOISE).seed(9).build(), null, null);
        StyleTransfer.Result b = new StyleTransfer().run(small().init(StyleOptions.Init.NOISE).seed(9).build(), null, null);
        assertArrayEquals(a.image().rgb(), b.image().rgb());
        StyleTransfer.Result c = new StyleTransfer().run(small().init(StyleOptions.Init.NOISE).seed(10).build(), null, null);
        assertFalse(java.util.Arrays.equals(a.image().rgb(), c.image().rgb()), "the seed must matter for noise init");
    }

    @Test void twoTransfersAtOnceInOneJvm() throws Exception {
        StyleTransfer.Result alone = new StyleTransfer().run(small().build(), null, null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<StyleTransfer.Result> f1 = pool.submit(() -> new StyleTransfer().run(small().build(), null, null));
            Future<StyleTransfer.Result> f2 = pool.submit(() -> new StyleTransfer().run(small().content(pattern(30, 40, 3)).build(), null, null));
            assertArrayEquals(alone.image().rgb(), f1.get().image().rgb(), "a concurrent transfer changed another's result");
            assertEquals(30, f2.get().image().width());
        } finally {
            pool.shutdown();
        }
    }

    @Test void cancellationStopsAndKeepsTheLastGoodImage() {
        StyleTransfer.Cancellation cancel = new StyleTransfer.Cancellation();
        StyleTransfer.Result r = new StyleTransfer().run(small().iterations(50).build(), new StyleTransfer.Listener() {
            @Override public void iteration(StyleTransfer.Progress p) { if (p.iteration() == 2) cancel.cancel(); }
        }, cancel);
        assertTrue(r.cancelled());
        assertEquals(2, r.iterations());
        for (float v : r.image().rgb()) assertTrue(Float.isFinite(v));
    }

    @Test void nonFiniteLossStopsWithAnErrorAndTheLastGoodImage() {
        StyleOptions o = small().styleWeight(1e308).contentWeight(1e308).build();
        StyleTransfer.NonFiniteLossException e = assertThrows(StyleTransfer.NonFiniteLossException.class,
                () -> new StyleTransfer().run(o, null, null));
        assertTrue(e.getMessage().contains("loss became"), e.getMessage());
        assertNotNull(e.lastGood());
        Image start = Images.resizeLongest(o.content(), o.size());
        assertArrayEquals(start.rgb(), e.lastGood().image().rgb(), "the last good image is the starting image");
    }

    /**
     * The loss turns NaN after iteration 3 (the backend is poisoned from the listener): the kept image is the
     * one iteration 3 reported, not the start image and not the image that produced the NaN, and its own loss
     * (evaluated again from it) is the finite loss reported with it.
     */
    @ParameterizedTest @ValueSource(strings = {"lbfgs", "adam"})
    void nonFiniteLossMidRunKeepsTheImageOfTheLastFiniteIteration(String optimizer) {
        StyleOptions o = small().optimizer(optimizer).iterations(20).build();
        FaultyBackend backend = new FaultyBackend();
        float[][] reportedImage = {null};
        double[] reportedLoss = {0};
        int[] last = {0};
        StyleTransfer.NonFiniteLossException e = assertThrows(StyleTransfer.NonFiniteLossException.class,
                () -> new StyleTransfer().run(o, NARROW, backend, new StyleTransfer.Listener() {
                    @Override public void iteration(StyleTransfer.Progress p) {
                        last[0] = p.iteration();
                        reportedImage[0] = p.image().rgb();
                        reportedLoss[0] = p.terms().total();
                        if (p.iteration() == 3) backend.poison = true;
                    }
                }, null));
        assertEquals(3, last[0], "the NaN comes in iteration 4");
        assertTrue(e.getMessage().startsWith("loss became NaN at iteration 4") && e.getMessage().endsWith("try smaller weights or learning rate"), e.getMessage());
        Image kept = e.lastGood().image();
        Image start = Images.resizeLongest(o.content(), o.size());
        assertFalse(java.util.Arrays.equals(start.rgb(), kept.rgb()), "the optimisation moved before the NaN");
        assertArrayEquals(reportedImage[0], kept.rgb(), "the kept image is the one iteration 3 reported");
        double again = new StyleTransfer().run(o.toBuilder().initImage(kept).iterations(0).build(), null, null).finalTerms().total();
        System.out.printf("%s: loss reported at iteration 3 %.9g, loss of the kept image %.9g%n", optimizer, reportedLoss[0], again);
        assertEquals(reportedLoss[0], again, 1e-9 * Math.abs(again), "the kept image's loss is the finite loss reported with it");
    }

    /** An accelerator failure in iteration 4 ends the run with a one-line error and keeps iteration 3's image. */
    @Test void deviceFailureMidRunKeepsTheLastGoodImage() {
        StyleOptions o = small().iterations(20).build();
        FaultyBackend backend = new FaultyBackend();
        float[][] reportedImage = {null};
        StyleTransfer.DeviceFailureException e = assertThrows(StyleTransfer.DeviceFailureException.class,
                () -> new StyleTransfer().run(o, NARROW, backend, new StyleTransfer.Listener() {
                    @Override public void iteration(StyleTransfer.Progress p) {
                        reportedImage[0] = p.image().rgb();
                        if (p.iteration() == 3) backend.deviceFailureAtConv = backend.convCalls + 5;
                    }
                }, null));
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains("compute device failed at iteration 4") && e.getMessage().contains("CL_OUT_OF_RESOURCES")
                && !e.getMessage().contains("\n"), e.getMessage());
        assertInstanceOf(nst.kernels.DeviceException.class, e.getCause());
        assertNotNull(e.lastGood());
        assertEquals(3, e.lastGood().iterations());
        assertArrayEquals(reportedImage[0], e.lastGood().image().rgb(), "the kept image is the one iteration 3 reported");
        // a failure while the targets are computed: the start image is all there is
        FaultyBackend early = new FaultyBackend();
        early.deviceFailureAtConv = 3;
        StyleTransfer.DeviceFailureException e2 = assertThrows(StyleTransfer.DeviceFailureException.class,
                () -> new StyleTransfer().run(o, NARROW, early, null, null));
        assertTrue(e2.getMessage().contains("while preparing"), e2.getMessage());
        assertArrayEquals(Images.resizeLongest(o.content(), o.size()).rgb(), e2.lastGood().image().rgb());
    }

    @Test void adamAlsoLowersTheLoss() {
        StyleTransfer.Result r = new StyleTransfer().run(small().optimizer("adam").iterations(8).build(), null, null);
        assertEquals(8, r.history().size());
        assertTrue(r.finalTerms().total() < r.history().get(0).terms().total());
    }

    @Test void weightsAutoFallsBackToRandomWithANotice() {
        List<String> notices = new ArrayList<>();
        StyleOptions o = StyleOptions.builder().content(pattern(20, 20, 1)).style(pattern(20, 20, 2)).model("vgg16").weights("auto").build();
        // Only the resolution is exercised (a full-width VGG16 transfer is not needed for this).
        Path absent = WeightsLookup.defaultFile("vgg16");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(absent), "pretrained vgg16 weights are installed at " + absent);
        var w = WeightsLookup.resolve(o, notices::add);
        assertTrue(w.source().startsWith("random"));
        assertEquals(1, notices.size());
        assertTrue(notices.get(0).contains("nst weights"), notices.get(0));
    }

    @Test void weightsOfTheWrongArchitectureAreRefused() throws Exception {
        Path p = dir.resolve("v16.safetensors");
        VggWeights.random(VggSpec.vgg16().withWidths(2, 2, 2, 2, 2), 1, Preprocess.CAFFE).save(p);
        StyleOptions o = StyleOptions.builder().content(pattern(20, 20, 1)).style(pattern(20, 20, 2)).model("vgg19").weights(p.toString()).build();
        String m = assertThrows(WeightsException.class, () -> WeightsLookup.resolve(o, null)).getMessage();
        assertTrue(m.contains("vgg16") && m.contains("--model is vgg19"), m);
    }

    // ---------------------------------------------------------------- images

    @Test void exifOrientationIsApplied() throws Exception {
        Path p = Path.of(getClass().getResource("/images/exif-orientation-6.jpg").toURI());
        Image im = Images.read(p);
        assertEquals(4, im.width());
        assertEquals(6, im.height());
        assertTrue(im.get(0, 0, 1) > 0.8f && im.get(2, 0, 1) < 0.2f, "top should be red");
        assertTrue(im.get(2, 5, 2) > 0.8f && im.get(0, 5, 2) < 0.2f, "bottom should be blue");
    }

    @Test void resizeKeepsAspectAndAverages() {
        Image im = pattern(400, 300, 4);
        Image r = Images.resizeLongest(im, 64);
        assertEquals(64, r.width());
        assertEquals(48, r.height());
        Image flat = new Image(10, 10, filled(300, 0.25f));
        for (float v : Images.resize(flat, 3, 7).rgb()) assertEquals(0.25f, v, 1e-6f);
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test void pngRoundTripWithText() throws Exception {
        Image im = pattern(9, 7, 5).clamped();
        Path p = dir.resolve("x.png");
        Images.writePng(im, p, java.util.Map.of("nst:options", "--size 9"));
        Image back = Images.read(p);
        for (int i = 0; i < im.rgb().length; i++) assertEquals(im.rgb()[i], back.rgb()[i], 0.5f / 255);
        assertEquals("--size 9", Images.readPngText(p).get("nst:options"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the PNG, no temporary file");
        }
    }
}
