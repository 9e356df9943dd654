package nst.engine.loss;

/**
 * One evaluation's loss, each term already multiplied by its weight: total = content + style + tv + temporal,
 * content = α·L_c, style = β·L_s, tv = γ·L_tv, temporal = λ·L_temporal (video frames only, else 0; docs/DESIGN.md).
 */
public record LossTerms(double total, double content, double style, double tv, double temporal) {
    /** Without a temporal term (a still image). */
    public LossTerms(double total, double content, double style, double tv) { this(total, content, style, tv, 0); }

    public boolean finite() {
        return Double.isFinite(total) && Double.isFinite(content) && Double.isFinite(style) && Double.isFinite(tv)
                && Double.isFinite(temporal);
    }
}
