package nst.kernels.opencl;

/**
 * OpenCL cannot be used in this process: no loader library, no platform, or no device. The message says
 * what is missing and what to install. Leaves out errors of a working device ({@link ClException}).
 */
public final class OpenClUnavailableException extends IllegalArgumentException {
    OpenClUnavailableException(String message) {
        super(message);
    }
}
