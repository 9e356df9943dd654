package nst.engine;

import nst.engine.io.SafeTensors;
import nst.engine.network.VggWeights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import nst.engine.fuzz.FuzzFiles;
import nst.engine.fuzz.FuzzProperty;

/**
 * Fuzzes the safetensors reader (docs/FUZZING.md): open, read every tensor, then load as VGG weights.
 * Seeds: SafeTensorsFuzzTestInputs/safetensors (a converter fixture, the 12000² header of issue 13).
 */
class SafeTensorsFuzzTest {

    @FuzzTest
    void safetensors(byte[] input) {
        var file = FuzzFiles.write(input, ".safetensors");
        FuzzProperty.check(() -> {
            try (SafeTensors.Reader r = SafeTensors.open(file)) {
                for (String name : r.entries().keySet()) r.floats(name);
            }
            VggWeights.load(file);
        });
    }
}
