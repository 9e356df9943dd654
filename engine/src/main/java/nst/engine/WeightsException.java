package nst.engine;

/**
 * A weights file that cannot be used: the message names the file and the tensor or metadata key at fault.
 * Messages quote names read from the file; their control characters (a newline, a terminal escape
 * sequence) are shown as a backslash, u and four hex digits, so the message stays one printable line
 * whatever the file holds.
 */
public class WeightsException extends NstException {
    public WeightsException(String message) { super(printable(message)); }

    static String printable(String s) {
        if (s == null || s.chars().noneMatch(WeightsException::isControl)) return s;
        StringBuilder sb = new StringBuilder(s.length() + 16);
        s.chars().forEach(c -> {
            if (isControl(c)) sb.append(String.format("\\u%04x", c));
            else sb.append((char) c);
        });
        return sb.toString();
    }

    private static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
    }
}
