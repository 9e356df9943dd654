package nst.engine;

/** A weights file that cannot be used: the message names the file and the tensor or metadata key at fault. */
public class WeightsException extends NstException {
    public WeightsException(String message) { super(message); }
}
