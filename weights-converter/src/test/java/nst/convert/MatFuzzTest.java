package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes MAT v5 files through MatPrescan and MatConvNetReader (mfl-core). Seeds: MatFuzzTestInputs/mat. */
class MatFuzzTest {

    @FuzzTest
    void mat(byte[] input) {
        FuzzRead.as(Format.MATCONVNET, input, ".mat");
    }
}
