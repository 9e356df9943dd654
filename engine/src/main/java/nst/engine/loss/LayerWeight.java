package nst.engine.loss;

import nst.engine.NstException;

import java.util.ArrayList;
import java.util.List;

/**
 * A loss layer with its weight w_l, parsed from "relu4_2" or "relu4_2:0.5" (docs/DESIGN.md: w_l defaults to 1).
 * Leaves out per-layer anything else.
 */
public record LayerWeight(String layer, double weight) {

    /** Parses a comma-separated list; {@code option} names the CLI option in errors. */
    public static List<LayerWeight> parseList(String text, String option) {
        List<LayerWeight> out = new ArrayList<>();
        if (text == null || text.isBlank()) return out;
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            int colon = p.indexOf(':');
            if (colon < 0) {
                out.add(new LayerWeight(p, 1.0));
                continue;
            }
            double w;
            try {
                w = Double.parseDouble(p.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new NstException(option + ": layer weight in '" + p + "' is not a number");
            }
            if (!(w >= 0) || Double.isInfinite(w)) throw new NstException(option + ": layer weight in '" + p + "' must be finite and ≥ 0");
            out.add(new LayerWeight(p.substring(0, colon).trim(), w));
        }
        return out;
    }

    public static String format(List<LayerWeight> list) {
        List<String> parts = new ArrayList<>();
        for (LayerWeight lw : list) parts.add(lw.weight == 1.0 ? lw.layer : lw.layer + ":" + lw.weight);
        return String.join(",", parts);
    }
}
