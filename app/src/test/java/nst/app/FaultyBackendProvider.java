package nst.app;

import nst.engine.FaultyBackend;
import nst.kernels.Backend;
import nst.kernels.BackendProvider;

/**
 * Test-only provider of {@code --backend faulty:device-at=N}: the scalar backend with a device failure on
 * the Nth convolution (engine's {@link FaultyBackend}), so the CLI and the studio meet a DeviceException.
 * Leaves out {@code auto}: it never chooses this backend.
 */
public final class FaultyBackendProvider implements BackendProvider {
    @Override public String name() { return "faulty"; }
    @Override public int priority() { return -1; }
    @Override public String unavailableReason() { return null; }
    @Override public String autoSkipReason() { return "a test backend (explicit only)"; }
    @Override public Backend create(String device, int threads) { return FaultyBackend.of(device); }
}
