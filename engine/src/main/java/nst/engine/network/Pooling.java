package nst.engine.network;

import nst.engine.NstException;

import java.util.Locale;

/** Max pooling as trained, or average pooling (Gatys et al. found it gives smoother results). */
public enum Pooling {
    MAX, AVG;

    public static Pooling of(String s) {
        return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
            case "max" -> MAX;
            case "avg", "average" -> AVG;
            default -> throw new NstException("--pooling: unknown value '" + s + "'; known: max, avg");
        };
    }
}
