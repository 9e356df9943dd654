package nst.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The scalar reference against hand-computed values (its own proof is the PyTorch golden suite in engine). */
class ScalarBackendTest {
    final ScalarBackend b = new ScalarBackend();

    Buffer buf(float... v) { return new HeapBuffer(v.clone()); }

    @Test void conv3x3OnHandExample() {
        // 1 channel 3x3 input, all-ones 3x3 kernel, padding 1: each output sums its 3x3 neighbourhood.
        ConvShape s = ConvShape.vgg3x3(1, 1, 3, 3);
        Buffer out = b.allocate(9);
        b.conv2dForward(out, buf(1, 2, 3, 4, 5, 6, 7, 8, 9), buf(1, 1, 1, 1, 1, 1, 1, 1, 1), buf(0.5f), s);
        assertArrayEquals(new float[] {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f}, HeapBuffer.of(out));
    }

    @Test void backwardDataIsAdjointOfForward() {
        // <conv(x), y> == <x, convᵀ(y)> for any x, y: the defining property of backward-data.
        ConvShape s = new ConvShape(3, 7, 6, 4, 3, 2, 2, 1, 1, 0);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] x = new float[s.inSize()], y = new float[s.outSize()], w = new float[s.weightSize()];
        for (float[] v : new float[][] {x, y, w}) for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        Buffer out = b.allocate(s.outSize()), dIn = b.allocate(s.inSize());
        b.conv2dForward(out, buf(x), buf(w), null, s);
        b.conv2dBackwardData(dIn, buf(y), buf(w), s);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < y.length; i++) lhs += (double) HeapBuffer.of(out)[i] * y[i];
        for (int i = 0; i < x.length; i++) rhs += (double) x[i] * HeapBuffer.of(dIn)[i];
        assertEquals(lhs, rhs, 1e-4 * Math.abs(lhs));
    }

    @Test void maxPoolRoutesToFirstMaximum() {
        PoolShape s = new PoolShape(1, 2, 2, 2, 2);
        Buffer dIn = b.allocate(4);
        b.maxPoolBackward(dIn, buf(3f), buf(1, 5, 5, 2), s);
        assertArrayEquals(new float[] {0, 3, 0, 0}, HeapBuffer.of(dIn));
    }

    @Test void gramIsSymmetricAndScaled() {
        Buffer g = b.allocate(4);
        b.gram(g, buf(1, 2, 3, 4, 5, 6), 2, 3, 0.5f);
        assertArrayEquals(new float[] {7f, 16f, 16f, 38.5f}, HeapBuffer.of(g));
    }

    @Test void backendsFindsScalarAndRejectsUnknownNames() {
        assertEquals("scalar", Backends.create("scalar", 1, null).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda9", 1, null));
        assertTrue(e.getMessage().contains("unknown backend 'cuda9'") && e.getMessage().contains("scalar"), e.getMessage());
    }

    @Test void shapesRejectImpossibleSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(3, 1, 5, 2, 2));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }
}
