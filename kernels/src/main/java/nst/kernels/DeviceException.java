package nst.kernels;

/**
 * An accelerator failed while running an op: device memory exhausted, out of resources, device lost. The
 * message names the backend, the op and the driver's error, so a caller can report it or fall back to a CPU
 * backend. Leaves out programming errors (wrong sizes, foreign buffers), which stay IllegalArgumentException.
 */
public class DeviceException extends RuntimeException {
    private final String op;

    public DeviceException(String op, String message, Throwable cause) {
        super(message, cause);
        this.op = op;
    }

    /** The Backend op that was running (conv2dForward, allocate, …). */
    public String op() { return op; }
}
