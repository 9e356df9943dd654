package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the two .pth containers through TorchReader (docs/FUZZING.md). Seeds in
 * TorchFuzzTestInputs/{zipContainer,legacyContainer}: converter fixtures and issue 13's crashers.
 */
class TorchFuzzTest {

    @FuzzTest
    void zipContainer(byte[] input) {
        FuzzRead.as(Format.PYTORCH_ZIP, input, ".pth");
    }

    @FuzzTest
    void legacyContainer(byte[] input) {
        FuzzRead.as(Format.PYTORCH_LEGACY, input, ".pth");
    }
}
