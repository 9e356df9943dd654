package nst.engine.network;

import nst.engine.NstException;
import nst.engine.TransferOption;

import java.util.Locale;

/** Max pooling as trained, or average pooling (Gatys et al. found it gives smoother results). */
public enum Pooling {
    MAX, AVG;

    public static Pooling of(String s) {
        return valueOf(TransferOption.POOLING.parseChoice(s == null ? "" : s).toUpperCase(Locale.ROOT));
    }
}
