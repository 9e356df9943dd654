package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;
import nst.engine.WeightsException;
import nst.engine.fuzz.FuzzProperty;

import java.io.ByteArrayInputStream;
import java.io.EOFException;

/**
 * Fuzzes {@link SafeUnpickler} on raw pickle bytes, with a persistent-id loader that accepts anything (as
 * TorchReader's does after its checks). Seeds: PickleFuzzTestInputs/unpickle (issue 13's crashers among
 * them). A truncated pickle's EOFException is the unpickler's documented answer (TorchReader words it).
 */
class PickleFuzzTest {

    @FuzzTest
    void unpickle(byte[] input) {
        FuzzProperty.check(() -> {
            try {
                new SafeUnpickler(new ByteArrayInputStream(input), "fuzz.pkl", pid -> pid).load();
            } catch (EOFException e) {
                throw new WeightsException(e.getMessage());
            }
        });
    }
}
