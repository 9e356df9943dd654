package nst.engine;

/**
 * A user-facing error: bad input, bad option, unusable file. The message is meant for the person at
 * the command line and names the file, field or option. Programming errors stay ordinary exceptions.
 */
public class NstException extends RuntimeException {
    public NstException(String message) { super(message); }
    public NstException(String message, Throwable cause) { super(message, cause); }
}
