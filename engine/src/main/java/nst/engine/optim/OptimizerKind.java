package nst.engine.optim;

import java.util.Locale;

/** The optimisers a transfer can use, by the name the options give them ({@code lbfgs}, {@code adam}). */
public enum OptimizerKind {
    /** {@link Lbfgs}: the default, with the strong-Wolfe line search. */
    LBFGS,
    /** {@link Adam}: first-order, a fixed step size. */
    ADAM;

    /** The kind named {@code name} (case-insensitive); the options have checked the name already. */
    public static OptimizerKind of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** The option's spelling: lbfgs, adam. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
