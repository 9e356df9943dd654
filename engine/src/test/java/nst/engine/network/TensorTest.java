package nst.engine.network;

import nst.kernels.Backend;
import nst.kernels.Buffer;
import nst.kernels.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The (C, H, W) view of a backend buffer, and the plan's tensors having each layer's shape. */
class TensorTest {

    @Test void viewOfALongerBufferDownloadsItsShapeOnly() {
        try (Backend b = new ScalarBackend()) {
            Buffer buf = b.allocate(10);
            b.upload(buf, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
            Tensor t = new Tensor(buf, 2, 2, 2);
            assertEquals(8, t.size());
            assertEquals(4, t.positions());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, t.download(b));
            assertEquals("(2, 2, 2)", t.toString());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Tensor(buf, 3, 2, 2));
            assertTrue(e.getMessage().contains("does not fit its buffer of 10 floats"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Tensor(buf, 0, 2, 2));
        }
    }

    @Test void planTensorsHaveTheLayersShapes() {
        VggSpec spec = VggSpec.vgg19();
        try (Backend b = new ScalarBackend();
             VggNetwork net = new VggNetwork(b, VggWeights.random(spec, 1, Preprocess.TORCHVISION), Pooling.MAX);
             VggNetwork.Plan p = net.plan(37, 29, spec.indexOf("relu2_1"), Set.of(spec.indexOf("relu2_1")))) {
            Tensor t = p.tensor(spec.indexOf("relu2_1"));               // after one 2x2 pool: floor(37/2) x floor(29/2)
            assertEquals(128, t.channels());
            assertEquals(18, t.height());
            assertEquals(14, t.width());
            assertEquals(p.size(spec.indexOf("relu2_1")), t.size());
        }
    }
}
