package nst.engine.loss;

/**
 * One evaluation's loss, each term already multiplied by its weight: total = content + style + tv,
 * content = α·L_c, style = β·L_s, tv = γ·L_tv (docs/DESIGN.md).
 */
public record LossTerms(double total, double content, double style, double tv) {
    public boolean finite() {
        return Double.isFinite(total) && Double.isFinite(content) && Double.isFinite(style) && Double.isFinite(tv);
    }
}
