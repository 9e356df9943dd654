package nst.kernels;

/**
 * The scalar reference backend: plain loops, one thread, each op written as its defining formula
 * (see {@link Backend}). Sums are accumulated in double, so this is also the most exact backend and
 * the one every fast backend is tested against. Leaves out all speed work on purpose.
 */
public final class ScalarBackend implements Backend {

    @Override public String name() { return "scalar"; }
    @Override public String description() { return "scalar (reference loops, 1 thread)"; }
    @Override public Memory memory() { return Memory.JAVA_HEAP; }

    @Override public Buffer allocate(int length) { return new HeapBuffer(length); }

    @Override public void upload(Buffer dst, float[] src) {
        System.arraycopy(src, 0, HeapBuffer.of(dst), 0, dst.length());
    }

    @Override public void download(float[] dst, Buffer src) {
        System.arraycopy(HeapBuffer.of(src), 0, dst, 0, src.length());
    }

    @Override public void zero(Buffer dst, int n) { java.util.Arrays.fill(HeapBuffer.of(dst), 0, n, 0f); }

    @Override public void copy(Buffer dst, Buffer src) {
        System.arraycopy(HeapBuffer.of(src), 0, HeapBuffer.of(dst), 0, src.length());
    }

    // ---------------------------------------------------------------- convolution

    @Override
    public void conv2dForward(Buffer outB, Buffer inB, Buffer weightB, Buffer biasB, ConvShape s) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB), w = HeapBuffer.of(weightB);
        float[] bias = biasB == null ? null : HeapBuffer.of(biasB);
        int oh = s.outH(), ow = s.outW();
        double[] acc = new double[oh * ow];           // (outH, outW) sums of one output channel, in double
        for (int o = 0; o < s.outC(); o++) {
            java.util.Arrays.fill(acc, bias == null ? 0 : bias[o]);
            // out[o,y,x] += weight[o,i,ky,kx] · in[i, y·sh − ph + ky, x·sw − pw + kx], one tap at a time
            for (int i = 0; i < s.inC(); i++) {
                for (int ky = 0; ky < s.kH(); ky++) {
                    for (int kx = 0; kx < s.kW(); kx++) {
                        double wv = w[((o * s.inC() + i) * s.kH() + ky) * s.kW() + kx];
                        for (int y = 0; y < oh; y++) {
                            int iy = y * s.strideH() - s.padH() + ky;
                            if (iy < 0 || iy >= s.inH()) continue;
                            int inRow = (i * s.inH() + iy) * s.inW();
                            for (int x = 0; x < ow; x++) {
                                int ix = x * s.strideW() - s.padW() + kx;
                                if (ix >= 0 && ix < s.inW()) acc[y * ow + x] += wv * in[inRow + ix];
                            }
                        }
                    }
                }
            }
            for (int j = 0; j < oh * ow; j++) out[o * oh * ow + j] = (float) acc[j];
        }
    }

    @Override
    public void conv2dBackwardData(Buffer dInB, Buffer dOutB, Buffer weightB, ConvShape s) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), w = HeapBuffer.of(weightB);
        int oh = s.outH(), ow = s.outW();
        double[] acc = new double[s.inH() * s.inW()];  // (inH, inW) gradient of one input channel, in double
        for (int i = 0; i < s.inC(); i++) {
            java.util.Arrays.fill(acc, 0);
            // dIn[i, y·sh − ph + ky, x·sw − pw + kx] += weight[o,i,ky,kx] · dOut[o,y,x]: forward's taps, transposed
            for (int o = 0; o < s.outC(); o++) {
                for (int ky = 0; ky < s.kH(); ky++) {
                    for (int kx = 0; kx < s.kW(); kx++) {
                        double wv = w[((o * s.inC() + i) * s.kH() + ky) * s.kW() + kx];
                        for (int y = 0; y < oh; y++) {
                            int iy = y * s.strideH() - s.padH() + ky;
                            if (iy < 0 || iy >= s.inH()) continue;
                            int outRow = (o * oh + y) * ow;
                            for (int x = 0; x < ow; x++) {
                                int ix = x * s.strideW() - s.padW() + kx;
                                if (ix >= 0 && ix < s.inW()) acc[iy * s.inW() + ix] += wv * dOut[outRow + x];
                            }
                        }
                    }
                }
            }
            for (int j = 0; j < acc.length; j++) dIn[i * acc.length + j] += (float) acc[j];
        }
    }

    @Override
    public void conv2dBackwardWeights(Buffer dWeightB, Buffer dBiasB, Buffer dOutB, Buffer inB, ConvShape s) {
        float[] dW = HeapBuffer.of(dWeightB), dOut = HeapBuffer.of(dOutB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        for (int o = 0; o < s.outC(); o++) {
            for (int i = 0; i < s.inC(); i++) {
                for (int ky = 0; ky < s.kH(); ky++) {
                    for (int kx = 0; kx < s.kW(); kx++) {
                        double sum = 0;
                        for (int y = 0; y < oh; y++) {
                            int iy = y * s.strideH() - s.padH() + ky;
                            if (iy < 0 || iy >= s.inH()) continue;
                            for (int x = 0; x < ow; x++) {
                                int ix = x * s.strideW() - s.padW() + kx;
                                if (ix < 0 || ix >= s.inW()) continue;
                                sum += (double) dOut[(o * oh + y) * ow + x] * in[(i * s.inH() + iy) * s.inW() + ix];
                            }
                        }
                        dW[((o * s.inC() + i) * s.kH() + ky) * s.kW() + kx] += (float) sum;
                    }
                }
            }
        }
        if (dBiasB != null) {
            float[] dB = HeapBuffer.of(dBiasB);
            for (int o = 0; o < s.outC(); o++) {
                double sum = 0;
                for (int j = 0; j < oh * ow; j++) sum += dOut[o * oh * ow + j];
                dB[o] += (float) sum;
            }
        }
    }

    // ---------------------------------------------------------------- activations and pooling

    @Override
    public void reluForward(Buffer outB, Buffer inB, int n) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        for (int j = 0; j < n; j++) out[j] = Math.max(in[j], 0f);
    }

    @Override
    public void reluBackward(Buffer dInB, Buffer dOutB, Buffer outB, int n) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), out = HeapBuffer.of(outB);
        for (int j = 0; j < n; j++) if (out[j] > 0f) dIn[j] += dOut[j];
    }

    @Override
    public void maxPoolForward(Buffer outB, Buffer inB, PoolShape s) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    out[(c * oh + y) * ow + x] = in[s.argmax(in, c, y, x)];
    }

    @Override
    public void maxPoolBackward(Buffer dInB, Buffer dOutB, Buffer inB, PoolShape s) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    dIn[s.argmax(in, c, y, x)] += dOut[(c * oh + y) * ow + x];
    }

    @Override
    public void reluForwardWithMask(Buffer outB, Buffer maskB, Buffer inB, int n) {
        float[] out = HeapBuffer.of(outB), mask = HeapBuffer.of(maskB), in = HeapBuffer.of(inB);
        for (int word = 0; word < Backend.maskLength(n); word++) {
            int bits = 0;
            for (int b = 0; b < 16; b++) {
                int j = word * 16 + b;
                if (j >= n) break;
                out[j] = Math.max(in[j], 0f);
                if (out[j] > 0f) bits |= 1 << b;
            }
            mask[word] = bits;
        }
    }

    @Override
    public void reluBackwardFromMask(Buffer dInB, Buffer dOutB, Buffer maskB, int n) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), mask = HeapBuffer.of(maskB);
        for (int j = 0; j < n; j++) if ((((int) mask[j / 16] >> (j % 16)) & 1) != 0) dIn[j] += dOut[j];
    }

    @Override
    public void maxPoolForwardWithIndex(Buffer outB, Buffer indexB, Buffer inB, PoolShape s) {
        float[] out = HeapBuffer.of(outB), index = HeapBuffer.of(indexB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW(), bits = s.indexBits(), per = s.indexPerWord();
        java.util.Arrays.fill(index, 0, s.indexLength(), 0f);
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    int q = (c * oh + y) * ow + x, a = s.argmax(in, c, y, x);
                    out[q] = in[a];
                    int ky = (a - c * s.h() * s.w()) / s.w() - (y * s.stride() - s.pad());
                    int kx = (a - c * s.h() * s.w()) % s.w() - (x * s.stride() - s.pad());
                    index[q / per] = (int) index[q / per] | ((ky * s.k() + kx) << (q % per * bits));
                }
    }

    @Override
    public void maxPoolBackwardFromIndex(Buffer dInB, Buffer dOutB, Buffer indexB, PoolShape s) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB), index = HeapBuffer.of(indexB);
        int oh = s.outH(), ow = s.outW(), bits = s.indexBits(), per = s.indexPerWord();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    int q = (c * oh + y) * ow + x;
                    int k = ((int) index[q / per] >> (q % per * bits)) & ((1 << bits) - 1);
                    int iy = y * s.stride() - s.pad() + k / s.k(), ix = x * s.stride() - s.pad() + k % s.k();
                    dIn[(c * s.h() + iy) * s.w() + ix] += dOut[q];
                }
    }

    @Override
    public void avgPoolForward(Buffer outB, Buffer inB, PoolShape s) {
        s.requireFloor("average pooling");
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    double sum = 0;                   // padding adds 0 but stays in the divisor k²
                    for (int ky = 0; ky < s.k(); ky++) {
                        int iy = y * s.stride() - s.pad() + ky;
                        if (iy < 0 || iy >= s.h()) continue;
                        for (int kx = 0; kx < s.k(); kx++) {
                            int ix = x * s.stride() - s.pad() + kx;
                            if (ix >= 0 && ix < s.w()) sum += in[(c * s.h() + iy) * s.w() + ix];
                        }
                    }
                    out[(c * oh + y) * ow + x] = (float) (sum / (s.k() * s.k()));
                }
    }

    @Override
    public void avgPoolBackward(Buffer dInB, Buffer dOutB, PoolShape s) {
        s.requireFloor("average pooling");
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        int oh = s.outH(), ow = s.outW();
        float inv = 1f / (s.k() * s.k());
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    float g = dOut[(c * oh + y) * ow + x] * inv;
                    for (int ky = 0; ky < s.k(); ky++) {
                        int iy = y * s.stride() - s.pad() + ky;
                        if (iy < 0 || iy >= s.h()) continue;
                        for (int kx = 0; kx < s.k(); kx++) {
                            int ix = x * s.stride() - s.pad() + kx;
                            if (ix >= 0 && ix < s.w()) dIn[(c * s.h() + iy) * s.w() + ix] += g;
                        }
                    }
                }
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemm(Buffer cB, Buffer aB, Buffer bB, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        float[] c = HeapBuffer.of(cB), a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    sum += (double) av * bv;
                }
                double old = beta == 0f ? 0 : (double) beta * c[i * n + j];
                c[i * n + j] = (float) (alpha * sum + old);
            }
        }
    }

    @Override
    public void gram(Buffer gB, Buffer fB, int c, int hw, float scale) {
        float[] g = HeapBuffer.of(gB), f = HeapBuffer.of(fB);
        for (int i = 0; i < c; i++) {
            for (int j = 0; j <= i; j++) {           // G is symmetric: compute one triangle, mirror it
                double sum = 0;
                for (int p = 0; p < hw; p++) sum += (double) f[i * hw + p] * f[j * hw + p];
                g[i * c + j] = g[j * c + i] = (float) (scale * sum);
            }
        }
    }

    @Override
    public void gramBackward(Buffer dFB, Buffer dGB, Buffer fB, int c, int hw, float scale) {
        float[] dF = HeapBuffer.of(dFB), dG = HeapBuffer.of(dGB), f = HeapBuffer.of(fB);
        for (int i = 0; i < c; i++) {
            for (int p = 0; p < hw; p++) {
                double sum = 0;
                for (int j = 0; j < c; j++) sum += ((double) dG[i * c + j] + dG[j * c + i]) * f[j * hw + p];
                dF[i * hw + p] += (float) (scale * sum);
            }
        }
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    public double sumSquaredDifference(Buffer aB, Buffer bB, int n) {
        float[] a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double d = (double) a[j] - b[j];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public void addScaledDifference(Buffer outB, Buffer aB, Buffer bB, float scale, int n) {
        float[] out = HeapBuffer.of(outB), a = HeapBuffer.of(aB), b = HeapBuffer.of(bB);
        for (int j = 0; j < n; j++) out[j] += scale * (a[j] - b[j]);
    }

    @Override
    public void addScaled(Buffer outB, Buffer inB, float scale, int n) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        for (int j = 0; j < n; j++) out[j] += scale * in[j];
    }

    @Override
    public double sumAbs(Buffer aB, int n) {
        float[] a = HeapBuffer.of(aB);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.abs(a[j]);
        return sum;
    }

    // ---------------------------------------------------------------- padding, upsampling and channel statistics (AdaIN)

    @Override
    public void reflectionPadForward(Buffer outB, Buffer inB, PadShape s) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        int oh = s.outH(), ow = s.outW(), p = s.pad();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    out[(c * oh + y) * ow + x] = in[(c * s.h() + PadShape.reflect(y - p, s.h())) * s.w() + PadShape.reflect(x - p, s.w())];
    }

    @Override
    public void reflectionPadBackward(Buffer dInB, Buffer dOutB, PadShape s) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        int oh = s.outH(), ow = s.outW(), p = s.pad();
        for (int c = 0; c < s.c(); c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    dIn[(c * s.h() + PadShape.reflect(y - p, s.h())) * s.w() + PadShape.reflect(x - p, s.w())] += dOut[(c * oh + y) * ow + x];
    }

    @Override
    public void upsampleNearest2xForward(Buffer outB, Buffer inB, int c, int h, int w) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 2 * h; y++)
                for (int x = 0; x < 2 * w; x++)
                    out[(ch * 2 * h + y) * 2 * w + x] = in[(ch * h + y / 2) * w + x / 2];
    }

    @Override
    public void upsampleNearest2xBackward(Buffer dInB, Buffer dOutB, int c, int h, int w) {
        float[] dIn = HeapBuffer.of(dInB), dOut = HeapBuffer.of(dOutB);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 2 * h; y++)
                for (int x = 0; x < 2 * w; x++)
                    dIn[(ch * h + y / 2) * w + x / 2] += dOut[(ch * 2 * h + y) * 2 * w + x];
    }

    @Override
    public void channelMeanStd(Buffer outB, Buffer inB, int c, int hw, float eps) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB);
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int j = 0; j < hw; j++) sum += in[ch * hw + j];
            double mean = sum / hw, squares = 0;
            for (int j = 0; j < hw; j++) {
                double d = in[ch * hw + j] - mean;
                squares += d * d;
            }
            out[ch] = (float) mean;
            out[c + ch] = (float) Math.sqrt(squares / (hw - 1) + eps);
        }
    }

    @Override
    public void channelAffine(Buffer outB, Buffer inB, Buffer coeffsB, int c, int hw) {
        float[] out = HeapBuffer.of(outB), in = HeapBuffer.of(inB), coeffs = HeapBuffer.of(coeffsB);
        for (int ch = 0; ch < c; ch++)
            for (int j = ch * hw; j < (ch + 1) * hw; j++) out[j] = coeffs[ch] * in[j] + coeffs[c + ch];
    }

    /** ServiceLoader entry for the scalar backend. */
    public static final class Provider implements BackendProvider {
        @Override public String name() { return "scalar"; }
        @Override public int priority() { return 0; }
        @Override public String unavailableReason() { return null; }
        @Override public Backend create(String device, int threads) { return new ScalarBackend(); }
    }
}
