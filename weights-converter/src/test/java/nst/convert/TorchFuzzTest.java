package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the three .pth containers through TorchReader (docs/FUZZING.md). Seeds in
 * TorchFuzzTestInputs/{zipContainer,legacyContainer,tarContainer}: converter fixtures and issue 13's crashers.
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

    @FuzzTest
    void tarContainer(byte[] input) {
        FuzzRead.as(Format.PYTORCH_TAR, input, ".pth");
    }
}
