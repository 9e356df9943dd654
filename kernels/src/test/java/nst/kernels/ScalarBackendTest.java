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

    @Test void paddedMaxPoolNeverPicksPadding() {
        // 3x3 input of negatives, 3x3 window, stride 2, padding 1: zero padding would win every window
        PoolShape s = new PoolShape(1, 3, 3, 3, 2, 1);
        assertEquals(2, s.outH());
        assertEquals(2, s.outW());
        Buffer in = buf(-1, -2, -3, -4, -5, -6, -7, -8, -9), out = b.allocate(4), dIn = b.allocate(9);
        b.maxPoolForward(out, in, s);
        assertArrayEquals(new float[] {-1, -2, -4, -5}, HeapBuffer.of(out));
        b.maxPoolBackward(dIn, buf(1, 2, 3, 4), in, s);
        assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 0, 0, 0}, HeapBuffer.of(dIn));
    }

    @Test void paddedAvgPoolCountsPaddingInTheDivisor() {
        // windows of 3x3 over rows/columns -1..1 and 1..3 of a 3x3 input: 4 input values over 9 each
        PoolShape s = new PoolShape(1, 3, 3, 3, 2, 1);
        Buffer out = b.allocate(4), dIn = b.allocate(9);
        b.avgPoolForward(out, buf(1, 2, 3, 4, 5, 6, 7, 8, 9), s);
        assertArrayEquals(new float[] {12f / 9, 16f / 9, 24f / 9, 28f / 9}, HeapBuffer.of(out), 1e-6f);
        b.avgPoolBackward(dIn, buf(9, 18, 27, 36), s);
        // the centre is in all four windows, edge midpoints in two, corners in one
        assertArrayEquals(new float[] {1, 3, 2, 4, 10, 6, 3, 7, 4}, HeapBuffer.of(dIn), 1e-6f);
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
        e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(3, 8, 8, 3, 2, 2));
        assertEquals("pool padding 2 must be between 0 and half the window 3x3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(3, 1, 4, 4, 2, 1));
        assertTrue(e.getMessage().contains("larger than input 1x4 padded by 1"), e.getMessage());
    }
}
