package nst.app.web;

/** An API error with its HTTP status; the message is shown to the user as is. Leaves out error codes beyond the status. */
public final class ApiError extends RuntimeException {
    final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() { return status; }
}
