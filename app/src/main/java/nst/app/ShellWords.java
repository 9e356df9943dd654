package nst.app;

import nst.engine.NstException;

import java.util.ArrayList;
import java.util.List;

/**
 * Joins command-line arguments into one line that a POSIX shell would split back into the same words
 * (single quotes where needed), and splits such a line. Used for the "nst:options" PNG metadata.
 * Leaves out the rest of shell syntax (variables, globs, double-quote escapes).
 */
final class ShellWords {
    private ShellWords() {}

    static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) b.append(' ');
            b.append(quote(w));
        }
        return b.toString();
    }

    static String quote(String w) {
        if (!w.isEmpty() && w.matches("[A-Za-z0-9_@%+=:,./-]+")) return w;
        return "'" + w.replace("'", "'\\''") + "'";
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false, quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\'') quoted = false;
                else cur.append(c);
            } else if (c == '\'') {
                quoted = true;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quoted) throw new NstException("the recorded options end inside a quote (no closing ')");   // the line itself may hold anything
        if (inWord) out.add(cur.toString());
        return out;
    }
}
