package nst.kernels.opencl;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test JVMs that load OpenCL drivers run with the JDK's signal-chaining library: PoCL initialises LLVM, which
 * installs its own SIGSEGV handler over the JVM's, and without libjsig the JVM then crashes at its next implicit
 * null check (3 of 40 short runs under --backend auto). The parent pom preloads it for surefire, the launcher for ./nst.
 */
class SignalChainingTest {

    @Test void libjsigIsLoaded() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs Linux /proc");
        assertTrue(Files.readString(maps).contains("libjsig.so"),
                "libjsig.so is not loaded: the surefire configuration (environmentVariables LD_PRELOAD) lost it; LD_PRELOAD="
                        + System.getenv("LD_PRELOAD"));
    }
}
