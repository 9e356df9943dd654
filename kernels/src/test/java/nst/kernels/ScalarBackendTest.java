package nst.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.BiConsumer;

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

    @Test void ceilModeMaxPoolKeepsTheClippedLastWindow() {
        // torch.nn.functional.max_pool2d(torch.arange(1., 10.).reshape(1, 1, 3, 3), 2, 2, ceil_mode=True)
        PoolShape s = PoolShape.ceil(1, 3, 3, 2, 2);
        assertEquals(2, s.outH());
        assertEquals(2, s.outW());
        Buffer in = buf(1, 2, 3, 4, 5, 6, 7, 8, 9), out = b.allocate(4), dIn = b.allocate(9);
        b.maxPoolForward(out, in, s);
        assertArrayEquals(new float[] {5, 6, 8, 9}, HeapBuffer.of(out));
        b.maxPoolBackward(dIn, buf(1, 2, 3, 4), in, s);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 0, 3, 4}, HeapBuffer.of(dIn));
        // output sizes as PyTorch's pooling_output_shape gives them (checked with torch 1.13)
        assertEquals(34, PoolShape.ceil(1, 67, 45, 2, 2).outH());
        assertEquals(23, PoolShape.ceil(1, 67, 45, 2, 2).outW());
        assertEquals(8, PoolShape.ceil(1, 17, 17, 3, 2).outH());
        assertEquals(4, PoolShape.ceil(1, 9, 9, 3, 2).outH());
        assertEquals(3, new PoolShape(1, 5, 5, 3, 2, 1, true).outH());
        assertEquals(4, new PoolShape(1, 6, 6, 3, 2, 1, true).outH());
        assertEquals(4, new PoolShape(1, 7, 7, 2, 2, 1, true).outH());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.avgPoolForward(out, in, s));
        assertEquals("average pooling does not support ceil mode", e.getMessage());
    }

    @Test void reluMaskPacksSixteenFlagsPerWordAsExactIntegers() {
        // 17 elements: word 0 holds elements 0..15 (bit j), word 1 element 16; NaN, 0 and -0 give 0
        float[] in = {1, -1, 0, 2, Float.NaN, 3, -0f, 0, 0, 0, 0, 0, 0, 0, 0, 5, 7};
        Buffer out = b.allocate(17), mask = b.allocate(Backend.maskLength(17)), dIn = b.allocate(17);
        assertEquals(2, mask.length());
        b.reluForwardWithMask(out, mask, buf(in), 17);
        assertArrayEquals(new float[] {1 + 8 + 32 + (1 << 15), 1}, HeapBuffer.of(mask));
        float[] ones = new float[17];
        java.util.Arrays.fill(ones, 1f);
        b.reluBackwardFromMask(dIn, buf(ones), mask, 17);
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, HeapBuffer.of(dIn));
    }

    @Test void poolIndexPacksEachWindowsArgmaxWithinTheWindow() {
        // the padded 3x3/2 example: argmaxes at window positions (1,1), (1,0), (0,1), (0,0) = 4, 3, 1, 0, four bits each
        PoolShape s = new PoolShape(1, 3, 3, 3, 2, 1);
        assertEquals(4, s.indexBits());
        assertEquals(1, s.indexLength());
        Buffer in = buf(-1, -2, -3, -4, -5, -6, -7, -8, -9), out = b.allocate(4), index = b.allocate(1), dIn = b.allocate(9);
        b.maxPoolForwardWithIndex(out, index, in, s);
        assertArrayEquals(new float[] {-1, -2, -4, -5}, HeapBuffer.of(out));
        assertArrayEquals(new float[] {4 + (3 << 4) + (1 << 8)}, HeapBuffer.of(index));
        b.maxPoolBackwardFromIndex(dIn, buf(1, 2, 3, 4), index, s);
        assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 0, 0, 0}, HeapBuffer.of(dIn));
        assertEquals(2, new PoolShape(1, 4, 4, 2, 2).indexBits());
        assertEquals(3, new PoolShape(3, 5, 7, 2, 2).indexLength());        // 3·2·3 = 18 windows, 8 per word: 3 words
    }

    @Test void maskAndIndexBackwardsEqualTheFloatBackwards() {
        SplittableRandom r = new SplittableRandom(18);
        for (int n : new int[] {1, 16, 33, 1001}) {
            float[] in = new float[n], dOut = new float[n], d0 = new float[n];
            for (int i = 0; i < n; i++) { in[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextGaussian(); dOut[i] = (float) r.nextGaussian(); d0[i] = (float) r.nextGaussian(); }
            Buffer out = b.allocate(n), mask = b.allocate(Backend.maskLength(n)), a = buf(d0), c = buf(d0);
            b.reluForwardWithMask(out, mask, buf(in), n);
            b.reluBackwardFromMask(a, buf(dOut), mask, n);
            b.reluBackward(c, buf(dOut), out, n);
            assertArrayEquals(HeapBuffer.of(c), HeapBuffer.of(a), "n=" + n);
        }
        for (PoolShape s : new PoolShape[] {new PoolShape(3, 37, 29, 2, 2), new PoolShape(2, 11, 13, 5, 3, 2), new PoolShape(4, 9, 8, 3, 1, 1)}) {
            float[] in = new float[s.inSize()], dOut = new float[s.outSize()];
            for (int i = 0; i < in.length; i++) in[i] = r.nextInt(3);
            for (int i = 0; i < dOut.length; i++) dOut[i] = (float) r.nextGaussian();
            Buffer out = b.allocate(s.outSize()), plain = b.allocate(s.outSize()), index = b.allocate(s.indexLength());
            Buffer a = b.allocate(s.inSize()), c = b.allocate(s.inSize());
            b.maxPoolForwardWithIndex(out, index, buf(in), s);
            b.maxPoolForward(plain, buf(in), s);
            assertArrayEquals(HeapBuffer.of(plain), HeapBuffer.of(out), s.toString());
            b.maxPoolBackwardFromIndex(a, buf(dOut), index, s);
            b.maxPoolBackward(c, buf(dOut), buf(in), s);
            assertArrayEquals(HeapBuffer.of(c), HeapBuffer.of(a), s.toString());
        }
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
        e = assertThrows(IllegalArgumentException.class, () -> new PadShape(3, 1, 5, 1));   // reflection needs p < h
        assertTrue(e.getMessage().contains("reflection padding 1") && e.getMessage().contains("1x5"), e.getMessage());
    }

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)

    @Test void reflectionPadMatchesPyTorchDocumentationExample() {
        // torch.nn.ReflectionPad2d(2)(torch.arange(9.).reshape(1, 1, 3, 3)), as printed in PyTorch's documentation
        PadShape s = new PadShape(1, 3, 3, 2);
        Buffer out = b.allocate(s.outSize());
        b.reflectionPadForward(out, buf(0, 1, 2, 3, 4, 5, 6, 7, 8), s);
        assertArrayEquals(new float[] {
                8, 7, 6, 7, 8, 7, 6,
                5, 4, 3, 4, 5, 4, 3,
                2, 1, 0, 1, 2, 1, 0,
                5, 4, 3, 4, 5, 4, 3,
                8, 7, 6, 7, 8, 7, 6,
                5, 4, 3, 4, 5, 4, 3,
                2, 1, 0, 1, 2, 1, 0}, HeapBuffer.of(out));
    }

    @Test void reflectionPadBackwardCountsEveryCopy() {
        // all-ones gradient: each input element receives the number of padded positions that copy it
        PadShape s = new PadShape(1, 3, 3, 1);
        Buffer dIn = buf(10, 10, 10, 10, 10, 10, 10, 10, 10);           // accumulates onto what is there
        float[] ones = new float[s.outSize()];
        java.util.Arrays.fill(ones, 1f);
        b.reflectionPadBackward(dIn, buf(ones), s);
        // a row index is copied once (row 0 and 2) or three times (row 1: itself and both mirrors); likewise columns
        assertArrayEquals(new float[] {11, 13, 11, 13, 19, 13, 11, 13, 11}, HeapBuffer.of(dIn));
    }

    @Test void upsampleNearestOnHandExample() {
        Buffer out = b.allocate(16);
        b.upsampleNearest2xForward(out, buf(1, 2, 3, 4), 1, 2, 2);
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, HeapBuffer.of(out));
        Buffer dIn = buf(100, 0, 0, 0);
        b.upsampleNearest2xBackward(dIn, out, 1, 2, 2);                 // each 2x2 block sums 4 equal values
        assertArrayEquals(new float[] {104, 8, 12, 16}, HeapBuffer.of(dIn));
    }

    @Test void channelMeanStdUsesUnbiasedVarianceWithEpsilonInsideTheRoot() {
        // channel 0: 1, 2, 3, 4 (mean 2.5, Σ(x − μ)² = 5, unbiased variance 5/3); channel 1: constant 7 (std √eps)
        Buffer out = b.allocate(4);
        b.channelMeanStd(out, buf(1, 2, 3, 4, 7, 7, 7, 7), 2, 4, 1e-5f);
        assertArrayEquals(new float[] {2.5f, 7f, (float) Math.sqrt(5.0 / 3 + 1e-5), (float) Math.sqrt(1e-5)}, HeapBuffer.of(out));
        b.channelMeanStd(out, buf(3, 3), 2, 1, 0f);                     // one value per channel: 0/0, as PyTorch's var
        assertTrue(Float.isNaN(HeapBuffer.of(out)[2]), "std of a single value");
    }

    @Test void channelAffineScalesAndShiftsEachChannel() {
        Buffer x = buf(1, 2, 3, 4, 5, 6);
        b.channelAffine(x, x, buf(2, -1, 0.5f, 10), 2, 3);             // in place: 2x + 0.5, then −x + 10
        assertArrayEquals(new float[] {2.5f, 4.5f, 6.5f, 6, 5, 4}, HeapBuffer.of(x));
    }

    /**
     * Each backward op against central finite differences of its forward op, through the scalar loss
     * L(x) = Σ r · forward(x) with random r (so dL/dforward = r): dL/dx_i ≈ (L(x + h·e_i) − L(x − h·e_i)) / 2h.
     * The ops are linear, so the difference quotient is exact up to rounding and the tolerance can be tight.
     */
    @Test void backwardOpsMatchFiniteDifferences() {
        PadShape pad = new PadShape(2, 4, 5, 2);
        checkGradient("reflectionPad", pad.inSize(), pad.outSize(),
                (out, in) -> b.reflectionPadForward(out, in, pad), (dIn, dOut) -> b.reflectionPadBackward(dIn, dOut, pad));
        checkGradient("upsampleNearest2x", 2 * 3 * 5, 4 * 2 * 3 * 5,
                (out, in) -> b.upsampleNearest2xForward(out, in, 2, 3, 5), (dIn, dOut) -> b.upsampleNearest2xBackward(dIn, dOut, 2, 3, 5));
    }

    private void checkGradient(String op, int inSize, int outSize,
                               BiConsumer<Buffer, Buffer> forward, BiConsumer<Buffer, Buffer> backward) {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[inSize], weights = new float[outSize];
        for (int i = 0; i < inSize; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < outSize; i++) weights[i] = (float) r.nextGaussian();
        Buffer grad = b.allocate(inSize);
        backward.accept(grad, buf(weights));
        float h = 0.25f;
        for (int i = 0; i < inSize; i++) {
            float[] plus = x.clone(), minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (loss(forward, plus, weights) - loss(forward, minus, weights)) / (2 * h);
            assertEquals(numeric, HeapBuffer.of(grad)[i], 1e-4 * (1 + Math.abs(numeric)), op + " backward, element " + i);
        }
    }

    private double loss(BiConsumer<Buffer, Buffer> forward, float[] x, float[] weights) {
        Buffer out = b.allocate(weights.length);
        forward.accept(out, buf(x));
        double sum = 0;
        for (int i = 0; i < weights.length; i++) sum += (double) weights[i] * HeapBuffer.of(out)[i];
        return sum;
    }
}
