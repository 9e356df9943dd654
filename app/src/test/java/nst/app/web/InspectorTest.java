package nst.app.web;

import nst.engine.Controls;
import nst.engine.Inspection;
import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.image.Image;
import nst.engine.image.Images;
import nst.engine.loss.Objective;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The step-through across the stages of a coarse-to-fine run: each stage's pictures come from the content
 * and style as that stage's objective sees them (checked against the objective's own content target and Gram
 * target, with colour preservation and --style-scale), iterations are numbered across stages, and a tiled
 * stage records losses but no snapshots. Scalar backend, random weights, shallow layers, 24–48 px.
 */
class InspectorTest {

    /** A colourful test picture: red along x, green along y, a blue ramp on the diagonal. */
    static Image picture(int w, int h, double phase) {
        float[] v = new float[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                v[y * w + x] = (float) x / w;
                v[(h + y) * w + x] = (float) y / h;
                v[(2 * h + y) * w + x] = (float) (0.5 + 0.5 * Math.sin(phase + (x + y) * 0.3));
            }
        return new Image(w, h, v);
    }

    static StyleOptions.Builder small() {
        return StyleOptions.builder().content(picture(40, 30, 0)).style(picture(36, 36, 1.3)).weights("random").backend("scalar").threads(1)
                .contentLayers("relu2_1").styleLayers("relu1_1,relu2_1").seed(3);
    }

    record Check(int stage, int width, double contentDiff, double contentScale, double gramDiff, double gramScale, double uncorrectedContentDiff) {}

    /** Runs o, recording with an Inspector, and at each stage's first iteration compares the Inspector's inputs with the objective's targets. */
    static List<Check> run(StyleOptions o, Inspector ins) {
        List<Check> checks = new ArrayList<>();
        new StyleTransfer().run(o, new StyleTransfer.Listener() {
            @Override public void started(String backend, int w, int h) { ins.stage(w, h); }
            @Override public void iteration(StyleTransfer.Progress p) {
                ins.record(p);
                if (p.iteration() != 1 || ins.currentStage().tile() > 0) return;
                Objective obj = p.objective();
                int si = ins.currentStage().index();
                float[] target = obj.contentTarget("relu2_1");
                float[] seen = Inspection.features(obj.network(), ins.stageContent(obj.width(), obj.height()), List.of("relu2_1")).get("relu2_1").data();
                float[] plain = Inspection.features(obj.network(), Images.resize(o.content(), obj.width(), obj.height()), List.of("relu2_1"))
                        .get("relu2_1").data();
                double[] g = gram(Inspection.features(obj.network(), ins.stageStyle(si - 1), List.of("relu1_1")).get("relu1_1"));
                float[] a = obj.styleTarget("relu1_1");
                double gd = 0, gs = 0;
                for (int i = 0; i < a.length; i++) {
                    gd = Math.max(gd, Math.abs(g[i] - a[i]));
                    gs = Math.max(gs, Math.abs(a[i]));
                }
                checks.add(new Check(si, obj.width(), maxDiff(seen, target), maxAbs(target), gd, gs, maxDiff(plain, target)));
            }
        }, null);
        return checks;
    }

    static double[] gram(Inspection.FeatureMap f) {
        int c = f.channels(), hw = f.plane();
        double[] g = new double[c * c];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++) {
                double s = 0;
                for (int p = 0; p < hw; p++) s += (double) f.data()[i * hw + p] * f.data()[j * hw + p];
                g[i * c + j] = s / ((double) c * hw);
            }
        return g;
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void eachStageSeesTheInputsAsTheEngineDoes() {
        for (Controls.ColorPreservation c : Controls.ColorPreservation.values()) {
            StyleOptions o = small().scales(24, 32).iterations(1).preserveColors(c).styleScale(0.75).build().validate();
            List<Check> checks = run(o, new Inspector(o, 1, 60));
            assertEquals(List.of(1, 2), checks.stream().map(Check::stage).toList(), c + ": one check per stage");
            assertEquals(List.of(24, 32), checks.stream().map(Check::width).toList(), c + ": stage sizes");
            for (Check k : checks) {
                System.out.printf("%s stage %d: content max diff %.3g of %.3g (uncorrected %.3g), Gram max diff %.3g of %.3g%n", c, k.stage(),
                        k.contentDiff(), k.contentScale(), k.uncorrectedContentDiff(), k.gramDiff(), k.gramScale());
                assertTrue(k.contentDiff() <= 1e-5 * k.contentScale(), c + " stage " + k.stage() + ": content features " + k);
                assertTrue(k.gramDiff() <= 1e-4 * k.gramScale(), c + " stage " + k.stage() + ": style Gram " + k);
                if (c == Controls.ColorPreservation.LUMINANCE)       // the check can tell: the colour photo is not what the net sees
                    assertTrue(k.uncorrectedContentDiff() > 1e-2 * k.contentScale(), "luminance: the colour content differs " + k);
            }
        }
    }

    @Test
    void iterationsAreNumberedAcrossStagesAndPicturesFollowTheStage() throws Exception {
        StyleOptions o = small().scales(24, 32).iterations(4).preserveColors(Controls.ColorPreservation.LUMINANCE).build().validate();
        Inspector ins = new Inspector(o, 2, 60);
        run(o, ins);
        assertEquals(8, ins.plannedIterations());
        assertEquals(8, ins.steps());
        assertEquals(List.of(1, 2, 4, 5, 6, 8), ins.savedIterations(), "each stage saves its 1st, 2nd and 4th iteration");
        Inspector.Snapshot first = ins.snapshot(4), second = ins.snapshot(5);
        assertEquals(1, first.stage().index());
        assertEquals(2, second.stage().index());
        assertEquals(1, second.stageIteration());
        assertEquals("scale 2/2, 32×24", second.stage().label());
        assertEquals(24 / 2, ins.info(1, "relu2_1").width(), "relu2_1 is after one pooling");
        assertEquals(32 / 2, ins.info(2, "relu2_1").width());
        assertEquals(List.of(1, 1, 1, 1, 2, 2, 2, 2), ins.points().stream().map(Inspector.Point::stage).toList());
        // With luminance preserved, the shown x has the content's colours (the optimised x itself is grey).
        Image shown = Images.decode(ins.latest().image(), "snapshot");
        double chroma = 0;
        float[] v = shown.rgb();
        int n = shown.pixels();
        for (int i = 0; i < n; i++) chroma = Math.max(chroma, Math.abs(v[i] - v[n + i]));
        assertTrue(chroma > 0.2, "the snapshot is recombined with the content's chroma, max |R - G| = " + chroma);
    }

    @Test
    void aTiledStageRecordsLossesButNoSnapshotsAndThePlannedCountHolds() {
        StyleOptions o = small().content(picture(48, 36, 0)).scales(24, 48).tile(32).tileIterations(1).iterations(2).build().validate();
        Inspector ins = new Inspector(o, 1, 60);
        int[] tiledSteps = {0, 0};                 // progress events in the tiled stage, and the stage total the engine reports
        new StyleTransfer().run(o, new StyleTransfer.Listener() {
            @Override public void started(String backend, int w, int h) { ins.stage(w, h); }
            @Override public void iteration(StyleTransfer.Progress p) {
                ins.record(p);
                if (ins.currentStage().tile() > 0) {      // the engine counts tile iterations over the whole stage
                    tiledSteps[0]++;
                    tiledSteps[1] = p.iterations();
                }
            }
        }, null);
        int[] perRound = Inspector.tilesPerRound(o);
        assertEquals(2, perRound.length, "two rounds of one iteration");
        int tiles = java.util.Arrays.stream(perRound).sum();
        assertEquals(tiles, tiledSteps[1], "tiles per round as StyleTransfer lays them out: " + java.util.Arrays.toString(perRound));
        assertEquals(tiles, tiledSteps[0], "one progress event per tile iteration");
        assertEquals(2, ins.stages().size());
        assertEquals(0, ins.stages().get(0).tile());
        assertEquals(32, ins.stages().get(1).tile());
        // 24 px: 2 iterations; then every tile of a round for that round's one iteration.
        assertEquals(2 + perRound[0] + perRound[1], ins.plannedIterations());
        assertEquals(ins.plannedIterations(), ins.steps(), "recorded every iteration");
        assertEquals(List.of(1, 2), ins.savedIterations(), "no snapshots of single tiles");
    }
}
