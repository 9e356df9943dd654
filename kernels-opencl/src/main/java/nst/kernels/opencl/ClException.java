package nst.kernels.opencl;

/**
 * An OpenCL call returned an error code: the message names the call and the CL error name, and, once the
 * backend has seen it, the op that was running. Leaves out device failures (out of memory, device lost), which
 * the backend rethrows as {@link nst.kernels.DeviceException}.
 */
public class ClException extends RuntimeException {
    private final String call;
    private final int code;

    ClException(String call, int code) {
        this(call, code, call + " failed: " + Cl.errorName(code));
    }

    ClException(String call, int code, String message) {
        super(message);
        this.call = call;
        this.code = code;
    }

    /** The OpenCL entry point that failed, e.g. {@code clEnqueueNDRangeKernel(conv3x3_tiled)}. */
    public String call() { return call; }

    /** The raw cl_int error code. */
    public int code() { return code; }
}
