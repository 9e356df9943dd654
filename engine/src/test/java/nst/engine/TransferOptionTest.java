package nst.engine;

import nst.engine.image.Image;
import nst.engine.loss.LayerWeight;
import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;

import nst.engine.TransferOption.WeightsKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The option catalogue: the builder starts from its defaults, the weights decide the two weight-dependent
 * defaults (unless set explicitly), every option's text reads back to itself, and engine messages name options
 * by their catalogue names, never by command-line flags.
 */
class TransferOptionTest {
    static final Image PIC = Image.blank(8, 8);

    static StyleOptions.Builder base() { return StyleOptions.builder().content(PIC).style(PIC); }

    @Test void theBuilderStartsFromTheCatalogue() {
        StyleOptions o = base().weights("some/file.safetensors").build();
        assertEquals(512, o.size());
        assertEquals(500, o.iterations());
        assertEquals(1e6, o.styleWeight());
        assertEquals("relu1_1,relu2_1,relu3_1,relu4_1,relu5_1", LayerWeight.format(o.styleLayers()));
        assertEquals(1.0, o.learningRate(), "L-BFGS's step");
        assertEquals(0.02, base().optimizer("adam").build().learningRate(), "Adam's step");
        assertEquals(10, o.controls().tileIterations());
    }

    /** The defaults the catalogue states are the values a builder without settings holds (read back through text()). */
    @Test void statedDefaultsAreTheBuilderValues() {
        StyleOptions pretrained = base().weights("some/file.safetensors").build();
        StyleOptions random = base().weights("random").build();
        for (WeightsKind kind : WeightsKind.values()) {
            StyleOptions o = kind == WeightsKind.RANDOM ? random : pretrained;
            TransferOption.defaults(kind).forEach((opt, text) -> {
                if (opt == TransferOption.WEIGHTS) return;              // set above to choose the kind
                StyleOptions parsed = base().weights(o.weights()).set(opt, text).build();
                assertEquals(parsed.text(opt), o.text(opt), opt.id() + " for " + kind + " weights");
            });
        }
    }

    @Test void randomWeightsTakeContentFromShallowLayersAndLessTv() {
        StyleOptions random = base().weights("random").build();
        assertEquals("relu2_2", LayerWeight.format(random.contentLayers()));
        assertEquals(1e-5, random.tvWeight());
        StyleOptions pretrained = base().weights("/some/vgg19.safetensors").build();
        assertEquals("relu4_2", LayerWeight.format(pretrained.contentLayers()));
        assertEquals(1e-4, pretrained.tvWeight());
        // explicit choices win over the weights' defaults
        StyleOptions chosen = base().weights("random").contentLayers("relu4_2").tvWeight(1e-4).build();
        assertEquals("relu4_2", LayerWeight.format(chosen.contentLayers()));
        assertEquals(1e-4, chosen.tvWeight());
        // loaded weights say what they are; toBuilder keeps the resolved values
        assertEquals(WeightsKind.RANDOM, StyleOptions.weightsKind("auto", VggWeights.random(VggSpec.of("vgg16"), 1, Preprocess.TORCHVISION), "vgg16"));
        assertEquals("relu2_2", LayerWeight.format(random.toBuilder().weights("/x.safetensors").build().contentLayers()));
        assertTrue(TransferOption.CONTENT_LAYERS.dependsOnWeights() && TransferOption.TV_WEIGHT.dependsOnWeights());
        assertFalse(TransferOption.STYLE_LAYERS.dependsOnWeights());
    }

    @Test void autoIsRandomWithoutTheDefaultFile(@TempDir Path dir) {
        org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.exists(WeightsLookup.defaultFile("vgg16")),
                "pretrained vgg16 weights are installed");
        assertEquals(WeightsKind.RANDOM, StyleOptions.weightsKind("auto", null, "vgg16"));
        assertEquals("relu2_2", LayerWeight.format(base().model("vgg16").build().contentLayers()), "the Java API without weights");
    }

    /** Every option's text reads back to the same value: what --like and the studio rely on. */
    @Test void textReadsBack() {
        StyleOptions o = base().style(PIC).set(TransferOption.SIZE, "96").set(TransferOption.MODEL, "VGG16")
                .set(TransferOption.POOLING, "average").set(TransferOption.WEIGHTS, "random").set(TransferOption.ITERATIONS, "7")
                .set(TransferOption.OPTIMIZER, "adam").set(TransferOption.LEARNING_RATE, "0.05").set(TransferOption.HISTORY, "9")
                .set(TransferOption.CONTENT_WEIGHT, "2.5").set(TransferOption.STYLE_WEIGHT, "123.25").set(TransferOption.TV_WEIGHT, "0")
                .set(TransferOption.CONTENT_LAYERS, "relu3_1:0.5").set(TransferOption.STYLE_LAYERS, "relu1_1,relu2_1:2")
                .set(TransferOption.STYLE_BLEND, "1,3.5").set(TransferOption.INIT, "style").set(TransferOption.SEED, "-3")
                .set(TransferOption.PRESERVE_COLORS, "luminance").set(TransferOption.STYLE_SCALE, "0.5")
                .set(TransferOption.SCALES, "48,96").set(TransferOption.TILE, "64").set(TransferOption.TILE_ITERATIONS, "3")
                .set(TransferOption.NORMALIZE_GRADIENTS, "true").set(TransferOption.SAVE_EVERY, "4").set(TransferOption.THREADS, "2")
                .set(TransferOption.BACKEND, "scalar").set(TransferOption.MEMORY_BUDGET, "64m").build().validate();
        StyleOptions.Builder again = base().style(PIC);
        List<String> texts = new ArrayList<>();
        for (TransferOption opt : TransferOption.values()) {
            String t = o.text(opt);
            texts.add(opt.id() + "=" + t);
            if (t != null) again.set(opt, t);
        }
        StyleOptions back = again.build();
        for (TransferOption opt : TransferOption.values()) assertEquals(o.text(opt), back.text(opt), opt.id());
        assertEquals("vgg16", o.model());
        assertEquals(Pooling.AVG, o.pooling());
        assertEquals(64L << 20, o.controls().memoryBudget());
        assertTrue(texts.contains("style-blend=1.0,3.5") && texts.contains("scales=48,96"), texts.toString());
    }

    @Test void namesAreOneSpellingEach() {
        assertEquals("--learning-rate", TransferOption.LEARNING_RATE.flag());
        assertEquals("learningRate", TransferOption.LEARNING_RATE.field());
        assertEquals("initImage", TransferOption.INIT_IMAGE.field());
        assertSame(TransferOption.TILE_ITERATIONS, TransferOption.find("tileIterations"));
        assertSame(TransferOption.TILE_ITERATIONS, TransferOption.find("--tile-iterations"));
        assertNull(TransferOption.find("--out"));
        assertEquals(64L << 20, TransferOption.MEMORY_BUDGET.parseBytes("64m"));
        assertEquals(3L << 30, TransferOption.MEMORY_BUDGET.parseBytes("3G"));
        assertEquals("memory-budget: 'lots' is not a size (e.g. 800m, 4g)",
                assertThrows(OptionException.class, () -> TransferOption.MEMORY_BUDGET.parseBytes("lots")).getMessage());
    }

    /** Engine errors name options as the catalogue does; the front ends respell them. */
    @Test void engineMessagesDoNotSpeakInFlags() {
        List<Supplier<StyleOptions>> bad = List.of(
                () -> base().size(3).build(), () -> base().size(20000).build(), () -> base().iterations(-1).build(),
                () -> base().optimizer("sgd").build(), () -> base().learningRate(-1).build(), () -> base().history(0).build(),
                () -> base().contentWeight(-1).build(), () -> base().tvWeight(Double.POSITIVE_INFINITY).build(),
                () -> base().styleBlend(1, 2).build(), () -> base().styleBlend(0).build(), () -> base().contentLayers("relu9_9").build(),
                () -> base().contentLayers("").styleLayers("").build(), () -> base().threads(-1).build(),
                () -> base().styleScale(0).build(), () -> base().scales(64, 32).build(), () -> base().tile(20).build(),
                () -> base().tileIterations(0).build(), () -> base().memoryBudget(-1).build(), () -> base().saveEvery(-1).build(),
                () -> base().masks(List.of(PIC, PIC)).build(), () -> StyleOptions.builder().style(PIC).build());
        for (Supplier<StyleOptions> s : bad) {
            OptionException e = assertThrows(OptionException.class, () -> s.get().validate(), "case " + bad.indexOf(s));
            assertFalse(e.getMessage().contains("--"), e.getMessage());
            String flagged = e.spelled(TransferOption::flag);
            assertTrue(flagged.contains(e.options().get(0).flag()), flagged);
        }
        OptionException two = assertThrows(OptionException.class, () -> base().scales(32, 64).size(48).build().validate());
        assertEquals("scales: the last scale (64) must equal size (48)", two.getMessage());
        assertEquals("--scales: the last scale (64) must equal --size (48)", two.spelled(TransferOption::flag));
        assertEquals("size must be at most 16384 pixels, got 20000",
                assertThrows(OptionException.class, () -> base().size(20000).build().validate()).getMessage());
        assertEquals("learning-rate must be positive, got -1",
                assertThrows(OptionException.class, () -> base().learningRate(-1).build().validate()).getMessage());
    }
}
