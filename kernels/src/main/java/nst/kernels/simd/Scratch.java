package nst.kernels.simd;

/**
 * Per-worker scratch arrays, allocated on first use and grown only when a larger shape arrives, so the
 * hot path allocates nothing once the first loss evaluation has run. Leaves out shrinking.
 */
final class Scratch {
    /** One micro-kernel tile (MR, NR) for ragged edges. */
    final float[] tile = new float[Vec.MR * Vec.NR];
    private float[] packA = new float[0], packB = new float[0], col = new float[0];
    private float[] wino = new float[0], winoOut = new float[0], winoEo = new float[0], winoTmp = new float[0], gram = new float[0], shared = new float[0];
    /** Row segments of one packed pixel group: start pixel, row, column, length. */
    final int[] segQ = new int[Vec.NR], segY = new int[Vec.NR], segX = new int[Vec.NR], segLen = new int[Vec.NR];

    float[] packA(int n) { return packA.length >= n ? packA : (packA = new float[n]); }
    float[] packB(int n) { return packB.length >= n ? packB : (packB = new float[n]); }
    float[] col(int n) { return col.length >= n ? col : (col = new float[n]); }
    float[] wino(int n) { return wino.length >= n ? wino : (wino = new float[n]); }
    float[] winoOut(int n) { return winoOut.length >= n ? winoOut : (winoOut = new float[n]); }
    float[] winoEo(int n) { return winoEo.length >= n ? winoEo : (winoEo = new float[n]); }
    float[] winoTmp(int n) { return winoTmp.length >= n ? winoTmp : (winoTmp = new float[n]); }
    /** Worker 0's: an operand packed once by the caller and read by every worker (Gemm.gemmSharedA). */
    /** Winograd4: per-lane patch offsets of a tile block (see Winograd4.inputTransform). */
    int[] winoIdx(int n) { return winoIdx.length >= n ? winoIdx : (winoIdx = new int[n]); }
    private int[] winoIdx = new int[0];
    float[] shared(int n) { return shared.length >= n ? shared : (shared = new float[n]); }
    float[] gram(int n) { return gram.length >= n ? gram : (gram = new float[n]); }
}
