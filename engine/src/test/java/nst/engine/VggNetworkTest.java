package nst.engine;

import nst.engine.network.Pooling;
import nst.engine.network.Preprocess;
import nst.engine.network.VggNetwork;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import nst.kernels.Backend;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Plans: the forward-only and streaming plans compute the same tapped activations as the full one, in less memory. */
class VggNetworkTest {
    private static final VggSpec NARROW = VggSpec.vgg19().withWidths(new int[] {4, 6, 8, 8, 8});

    private static float[] download(Backend b, nst.kernels.Buffer buf, int n) {
        float[] out = new float[n];
        b.download(out, buf);
        return out;
    }

    @Test
    void forwardOnlyPlanMatchesTheFullPlanOnEveryTapAndIsSmaller() {
        VggWeights w = VggWeights.random(NARROW, 3, Preprocess.TORCHVISION);
        // conv and ReLU taps, a conv followed by a tapped ReLU, a pool, and the deepest layer
        for (String[] layers : new String[][] {
                {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"},
                {"conv1_2", "relu3_2", "pool2", "conv4_1"},
                {"relu1_1", "conv1_1", "relu4_2"}}) {
            try (Backend b = new ScalarBackend(); VggNetwork net = new VggNetwork(b, w, Pooling.MAX)) {
                Set<Integer> taps = new TreeSet<>();
                for (String l : layers) taps.add(NARROW.indexOf(l));
                int last = ((TreeSet<Integer>) taps).last();
                float[] x = new float[3 * 37 * 41];
                SplittableRandom r = new SplittableRandom(5);
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-2, 2);
                try (VggNetwork.Plan full = net.plan(37, 41, last, taps); VggNetwork.Plan fwd = net.forwardPlan(37, 41, last, taps)) {
                    b.upload(full.input, x);
                    b.upload(fwd.input, x);
                    full.forward();
                    fwd.forward();
                    for (int t : taps)
                        assertArrayEquals(download(b, full.activation(t), full.size(t)), download(b, fwd.activation(t), fwd.size(t)),
                                String.join(",", layers) + ": layer " + NARROW.layers().get(t).name());
                    assertTrue(fwd.bytes() < full.bytes(), fwd.bytes() + " vs " + full.bytes());
                    assertThrows(IllegalStateException.class, () -> fwd.backward((l, g) -> {}));
                    // borrowing the full plan's gradient buffers as scratch: same taps, fewer own bytes,
                    // and the donor's buffers survive the borrower's close
                    try (VggNetwork.Plan borrow = net.forwardPlan(37, 41, last, taps, full)) {
                        b.upload(borrow.input, x);
                        borrow.forward();
                        for (int t : taps)
                            assertArrayEquals(download(b, full.activation(t), full.size(t)), download(b, borrow.activation(t), borrow.size(t)));
                        assertTrue(borrow.bytes() < fwd.bytes(), borrow.bytes() + " vs " + fwd.bytes());
                        // the memory estimate models both layouts exactly
                        long[] f = MemoryEstimate.planFloats(NARROW, 37, 41, last, taps, Pooling.MAX);
                        long donorMax = (f[1] - 3L * 37 * 41) / 2;
                        assertEquals(fwd.bytes(), 4 * MemoryEstimate.forwardPlanFloats(NARROW, 37, 41, last, taps, 0));
                        assertEquals(borrow.bytes(), 4 * MemoryEstimate.forwardPlanFloats(NARROW, 37, 41, last, taps, donorMax));
                    }
                    full.backward((l, g) -> {});
                }
            }
        }
    }

    /**
     * Issue 18: a plan for backward owns only its input, the tapped outputs, a packed mask per untapped ReLU and an
     * index per max pooling, besides the gradient buffers (the estimate counts exactly these); an untapped layer's
     * output is not readable; a streaming plan hands each tap to the caller during forward (the values a
     * forward-only plan keeps) and owns only its input when it borrows a donor's gradient buffers.
     */
    @Test
    void plansKeepOnlyWhatBackwardNeedsAndStreamingPlansHandTapsOver() {
        VggWeights w = VggWeights.random(NARROW, 3, Preprocess.TORCHVISION);
        Set<Integer> taps = new TreeSet<>();
        for (String l : new String[] {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2"}) taps.add(NARROW.indexOf(l));
        int last = NARROW.indexOf("relu4_2");
        for (Pooling pooling : Pooling.values()) {
            try (Backend b = new ScalarBackend(); VggNetwork net = new VggNetwork(b, w, pooling);
                 VggNetwork.Plan full = net.plan(37, 41, last, taps); VggNetwork.Plan fwd = net.forwardPlan(37, 41, last, taps);
                 VggNetwork.Plan stream = net.streamingPlan(37, 41, last, taps, full)) {
                long[] f = MemoryEstimate.planFloats(NARROW, 37, 41, last, taps, pooling);
                assertEquals(4 * (f[0] + f[1]), full.bytes(), pooling + " plan bytes");
                assertEquals(4L * 3 * 37 * 41, stream.bytes(), "a streaming plan with a donor owns its input only");
                assertEquals(stream.bytes(), 4 * MemoryEstimate.streamingPlanFloats(NARROW, 37, 41, last, (f[1] - 3L * 37 * 41) / 2));
                assertThrows(IllegalStateException.class, () -> full.activation(NARROW.indexOf("relu1_2")));
                assertFalse(full.keeps(NARROW.indexOf("pool1")));
                float[] x = new float[3 * 37 * 41];
                SplittableRandom r = new SplittableRandom(18);
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-2, 2);
                b.upload(fwd.input, x);
                b.upload(stream.input, x);
                fwd.forward();
                java.util.Map<Integer, float[]> got = new java.util.TreeMap<>();
                stream.forward((l, out) -> got.put(l, nst.engine.network.Tensor.download(b, out, stream.size(l))));
                assertEquals(taps, got.keySet());
                for (int t : taps) assertArrayEquals(download(b, fwd.activation(t), fwd.size(t)), got.get(t), pooling + " tap " + t);
            }
        }
    }

    @Test
    void releasedHostWeightsServePlansUpToTheUploadedLayerOnly() {
        VggWeights w = VggWeights.random(NARROW, 3, Preprocess.TORCHVISION);
        try (Backend b = new ScalarBackend(); VggNetwork net = new VggNetwork(b, w, Pooling.MAX)) {
            int relu3_1 = NARROW.indexOf("relu3_1");
            net.releaseHostWeights(relu3_1);
            try (VggNetwork.Plan p = net.plan(16, 16, relu3_1, Set.of(relu3_1))) {
                p.forward();
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.plan(16, 16, NARROW.indexOf("relu4_1"), Set.of(NARROW.indexOf("relu4_1"))));
            assertTrue(e.getMessage().contains("relu3_1") && e.getMessage().contains("relu4_1"), e.getMessage());
        }
    }
}
