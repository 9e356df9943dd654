package nst.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width of the SIMD backend, fixed once per JVM (the JIT only makes fast code for a species
 * it sees as a constant): the machine's preferred width, or {@code -Dnst.simd.species=128|256|512}.
 * Also the micro-kernel shape derived from it. Leaves out per-instance widths on purpose.
 */
final class Vec {
    private Vec() {}

    /** Float species every kernel uses. */
    static final VectorSpecies<Float> F = chooseSpecies();
    /** Double species of the same bit size (reductions accumulate in double). */
    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= F.vectorBitSize()
            ? VectorSpecies.of(double.class, F.vectorShape()) : DoubleVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int VL = F.length();
    /**
     * Micro-kernel rows (broadcast operand): 8 with 512-bit vectors (32 registers: 16 accumulators + 2 B + 8
     * broadcasts, measured fastest of 4/6/8/12/14 on Zen 5), 4 below. With 16 registers C2 loads every
     * broadcast of a k-step before the first FMA, so MR rows need 2·MR + 2 + MR registers: 6 rows (the usual
     * hand-written AVX2 shape) spill an accumulator to the stack and the store-to-load chain through it halves
     * the speed (35 GFLOP/s on Zen 3, one thread); 4 rows fit (14 registers, 87 GFLOP/s). KERNELS.md has the table.
     */
    static final int MR = chooseRows();
    /** Micro-kernel columns: two vectors. */
    static final int NR = 2 * VL;

    /**
     * Σ of the lanes in lane order, in double. Not {@code reduceLanes(ADD)}: its order is unspecified for floating
     * point, and the interpreter and C2's intrinsic do differ, so a result would change when the JIT compiles the
     * loop (a rerun would not be bit for bit the same).
     */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int l = 0; l < v.length(); l++) s += v.lane(l);
        return s;
    }

    /** Σ of the lanes in lane order (see {@link #sumLanes(FloatVector)}). */
    static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int l = 0; l < v.length(); l++) s += v.lane(l);
        return s;
    }

    /** {@code -Dnst.simd.mr=4|6|8} overrides the rule above (8 needs 512-bit vectors), for measuring. */
    private static int chooseRows() {
        String p = System.getProperty("nst.simd.mr", "").trim();
        int auto = F.vectorBitSize() >= 512 ? 8 : 4;
        if (p.isEmpty() || p.equals("auto")) return auto;
        int mr = switch (p) {
            case "4" -> 4;
            case "6" -> 6;
            case "8" -> 8;
            default -> throw new IllegalArgumentException("nst.simd.mr must be 4, 6, 8 or auto, not '" + p + "'");
        };
        if (mr == 8 && F.vectorBitSize() < 512)
            throw new IllegalArgumentException("nst.simd.mr=8 needs 512-bit vectors (32 registers); this JVM uses " + F.vectorBitSize());
        return mr;
    }

    private static VectorSpecies<Float> chooseSpecies() {
        String p = System.getProperty("nst.simd.species", "").trim();
        if (p.isEmpty() || p.equals("auto") || p.equals("preferred")) return FloatVector.SPECIES_PREFERRED;
        int bits;
        try {
            bits = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nst.simd.species must be 128, 256, 512 or auto, not '" + p + "'");
        }
        int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (bits != 128 && bits != 256 && bits != 512)
            throw new IllegalArgumentException("nst.simd.species must be 128, 256, 512 or auto, not '" + p + "'");
        if (bits > max)
            throw new IllegalArgumentException("nst.simd.species=" + bits + " is wider than this machine's " + max + "-bit vectors");
        return FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(bits)).check(float.class);
    }
}
