package nst.app.web;

import nst.engine.StyleOptions;
import nst.engine.StyleTransfer;
import nst.engine.image.Images;
import nst.engine.io.AtomicFiles;
import nst.engine.loss.LayerWeight;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The self-contained HTML report of {@code nst explain}: the same step-through as the studio (feature grids,
 * Gram heatmaps, per-layer loss curves as inline SVG, gradient pictures, saved iterations), every picture
 * inlined as a data: URI, written through a temporary file and a rename. Leaves out scripts: it is static.
 */
public final class ExplainReport {
    private ExplainReport() {}

    private static final String[][] TERMS = {{"total", "#1f2430"}, {"content", "#2a7ae0"}, {"style", "#e0702a"}, {"tv", "#3aa65b"}};

    /** @param saveEvery the snapshot interval the report was made with (the engine ran with none) */
    public static void write(Path out, String title, StyleOptions o, int saveEvery, StyleTransfer.Result r, Inspector ins) throws IOException {
        String html = html(title, o, saveEvery, r, ins);
        AtomicFiles.write(out, ch -> {
            ByteBuffer b = ByteBuffer.wrap(html.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        });
    }

    static String html(String title, StyleOptions o, int saveEvery, StyleTransfer.Result r, Inspector ins) {
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!doctype html>\n<!-- nst explain report: one transfer, step by step; self-contained (pictures are data: URIs). -->\n")
                .append("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nst explain: ").append(esc(title)).append("</title>\n<style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#1d1d1f;padding:0 16px}")
                .append("img{image-rendering:pixelated;border-radius:3px}figure{display:inline-block;margin:0 10px 8px 0;vertical-align:top}")
                .append("figcaption{font-size:12px;color:#555}.px img{min-width:128px;max-width:256px}.grid img{max-width:200px;min-width:96px}")
                .append(".gram img{width:128px;height:128px}.layer{border-top:1px solid #ddd;padding:8px 0}.layer h4{margin:4px 0}")
                .append("details{border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:8px 0}summary{cursor:pointer;font-weight:600}")
                .append("table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right;font-variant-numeric:tabular-nums}.legend i{display:inline-block;width:16px;height:3px;vertical-align:middle;margin:0 4px 0 10px}")
                .append("</style></head><body>\n");
        h.append("<h1>nst explain</h1><p>").append(esc(title)).append("</p>\n");
        h.append("<p><code>").append(esc(String.format(Locale.ROOT, "size %d, %s, %s pooling, weights %s (%s), %d iterations%s of %s, α=%s β=%s γ=%s, content layers %s, style layers %s, init %s, seed %d",
                o.size(), o.model(), o.pooling().name().toLowerCase(Locale.ROOT), o.weights(), r.weightsSource(), o.iterations(),
                o.controls().scales().length > 1 ? " per scale" : "", o.optimizer(),
                o.contentWeight(), o.styleWeight(), o.tvWeight(), LayerWeight.format(o.contentLayers()), LayerWeight.format(o.styleLayers()),
                o.init().name().toLowerCase(Locale.ROOT), o.seed()))).append("</code><br>");
        String controls = controls(o);
        if (!controls.isEmpty()) h.append("<code>").append(esc(controls)).append("</code><br>");
        h.append(esc("a snapshot every " + saveEvery + " iterations of each scale, and its first and last")).append("<br>")
                .append(esc(String.format(Locale.ROOT, "%d iterations, %d loss evaluations in %.1f s on %s%s.", r.iterations(), r.evaluations(),
                        r.seconds(), r.backend(), r.cancelled() ? " (cancelled)" : ""))).append("</p>\n");

        h.append("<h2>Images</h2><div class=\"px\">");
        h.append(fig(Images.pngBytes(Images.resizeLongest(o.content(), o.size())), "content c"));
        for (int k = 0; k < o.styles().size(); k++)
            h.append(fig(Images.pngBytes(Images.resizeLongest(o.styles().get(k), o.size())), "style s" + (k + 1)));
        h.append(fig(Images.pngBytes(r.image()), "result x after " + r.iterations() + " iterations")).append("</div>\n");

        h.append("<h2>How it works</h2><p>The image x is the variable. Each evaluation runs x through VGG and measures three terms: "
                + "<b>content</b> α·mean((F<sub>l</sub>(x) − F<sub>l</sub>(c))²) at the content layers, <b>style</b> β·mean((G<sub>l</sub>(x) − A<sub>l</sub>)²) "
                + "over the Gram matrices G = F Fᵀ/(C·H·W) at the style layers, and <b>total variation</b> γ·L<sub>tv</sub> for smoothness. "
                + "Backpropagation gives ∂L/∂x, and the optimiser moves x against it.</p>\n");

        List<Inspector.Point> pts = ins.points();
        h.append("<h2>Loss over iterations</h2>");
        List<String> names = new ArrayList<>();
        List<String> colours = new ArrayList<>();
        List<ToDoubleFunction<Inspector.Point>> fs = new ArrayList<>();
        for (String[] t : TERMS) {
            names.add(t[0]);
            colours.add(t[1]);
            fs.add(switch (t[0]) {
                case "total" -> p -> p.terms().total();
                case "content" -> p -> p.terms().content();
                case "style" -> p -> p.terms().style();
                default -> p -> p.terms().tv();
            });
        }
        h.append(svg(pts, fs, colours, 640, 240)).append("<div class=\"legend\">");
        for (int i = 0; i < names.size(); i++) h.append("<i style=\"background:").append(colours.get(i)).append("\"></i>").append(names.get(i));
        h.append("</div>\n");

        List<String> sl = ins.styleLayers();
        if (!sl.isEmpty()) {
            h.append("<h2>Style loss per layer (unweighted, log scale)</h2><div>");
            for (int j = 0; j < sl.size(); j++) {
                int jj = j;
                h.append("<figure>").append(svg(pts, List.of(p -> jj < p.styleLayerLosses().length ? p.styleLayerLosses()[jj] : Double.NaN),
                        List.of("#e0702a"), 220, 90)).append("<figcaption>").append(sl.get(j)).append("</figcaption></figure>");
            }
            h.append("</div>\n");
        }

        List<Integer> saved = ins.savedIterations();
        h.append("<h2>Step-through</h2><p>Saved iterations: ").append(saved).append(". Feature grids show the 16 strongest channels of a layer "
                + "(same channels and colour scale for the content photo, the style image and x). Gram heatmaps show √|G| "
                + "on the target's scale. The gradient picture is |∂L/∂x| per pixel.</p>\n");
        boolean staged = ins.stages().size() > 1;
        if (staged) {
            h.append("<p>Coarse to fine: ");
            List<String> st = new ArrayList<>();
            for (Inspector.Stage x : ins.stages()) st.add(x.label());
            h.append(esc(String.join("; ", st))).append(". Iterations are numbered across the scales; each scale starts from the previous "
                    + "result, upsampled, and has its own content and style targets at its size.</p>\n");
        }
        for (int k = 0; k < saved.size(); k++) {
            Inspector.Snapshot s = ins.snapshot(saved.get(k));
            if (s == null) continue;
            String where = s.stage().label().isEmpty() ? "" : " (" + s.stage().label() + ", its iteration " + s.stageIteration() + ")";
            h.append("<details").append(k == saved.size() - 1 ? " open" : "").append("><summary>iteration ").append(s.iteration()).append(esc(where))
                    .append(String.format(Locale.ROOT, " — loss %.4g (content %.4g, style %.4g, tv %.4g)", s.terms().total(), s.terms().content(),
                            s.terms().style(), s.terms().tv())).append("</summary><div class=\"px\">")
                    .append(fig(s.image(), "x at iteration " + s.iteration())).append(fig(s.gradient(), "|∂L/∂x|")).append("</div>");
            for (String l : ins.layers()) {
                Inspector.LayerInfo li = ins.info(s.stage().index(), l);
                Inspector.LayerShot shot = s.layers().get(l);
                if (li == null || shot == null) continue;
                h.append("<div class=\"layer\"><h4>").append(l).append(" <small>(").append(li.content() ? "content" : "")
                        .append(li.content() && li.style() ? " + " : "").append(li.style() ? "style" : "").append(" layer, ")
                        .append(li.channels()).append(" channels, ").append(li.width()).append("×").append(li.height()).append(")");
                if (!Double.isNaN(shot.styleLoss())) h.append(String.format(Locale.ROOT, " style loss %.4g", shot.styleLoss()));
                h.append("</small></h4><span class=\"grid\">").append(fig(li.contentGrid(), "content photo"));
                if (li.styleGrid() != null) h.append(fig(li.styleGrid(), "style image"));
                h.append(fig(shot.currentGrid(), "x")).append("</span>");
                if (li.style()) h.append("<span class=\"gram\">").append(fig(li.gramTarget(), "Gram target A")).append(fig(shot.gramCurrent(), "Gram G(x)")).append("</span>");
                h.append("</div>\n");
            }
            h.append("</details>\n");
        }
        h.append("<h2>Every iteration</h2><table><tr><th>iteration</th>").append(staged ? "<th>scale</th>" : "")
                .append("<th>seconds</th><th>total</th><th>content</th><th>style</th><th>tv</th></tr>\n");
        for (Inspector.Point p : pts)
            h.append(String.format(Locale.ROOT, "<tr><td>%d</td>%s<td>%.1f</td><td>%.5g</td><td>%.5g</td><td>%.5g</td><td>%.5g</td></tr>%n", p.iteration(),
                    staged ? "<td>" + p.stage() + "</td>" : "", p.seconds(), p.terms().total(), p.terms().content(), p.terms().style(), p.terms().tv()));
        h.append("</table>\n<p><small>Made by nst explain. Example images: public-domain paintings; Tübingen photo by Andreas Praefcke, CC BY 3.0.</small></p></body></html>\n");
        return h.toString();
    }

    /** The artistic controls that differ from their defaults, as command-line options; empty when none. */
    static String controls(StyleOptions o) {
        nst.engine.Controls k = o.controls();
        List<String> c = new ArrayList<>();
        if (k.preserveColors() != nst.engine.Controls.ColorPreservation.NONE) c.add("--preserve-colors " + k.preserveColors().id());
        if (k.styleScale() != 1.0) c.add("--style-scale " + k.styleScale());
        int[] sc = k.scales();
        if (sc.length > 0) c.add("--scales " + String.join(",", java.util.Arrays.stream(sc).mapToObj(Integer::toString).toList()));
        if (!k.masks().isEmpty()) c.add(k.masks().size() + " masks (the Gram heatmaps show the first region)");
        if (k.initImage() != null) c.add("--init-image (given)");
        if (k.normalizeGradients()) c.add("--normalize-gradients");
        if (o.styleBlend() != null && o.styleBlend().length > 0)
            c.add("--style-blend " + String.join(",", java.util.Arrays.stream(o.styleBlend()).mapToObj(Double::toString).toList()));
        return String.join(" ", c);
    }

    private static String fig(byte[] png, String caption) {
        if (png == null) return "";
        return "<figure><img src=\"" + StudioServer.dataUri(png) + "\" alt=\"" + esc(caption) + "\"><figcaption>" + esc(caption) + "</figcaption></figure>";
    }

    /** Log-scale line chart of one or more series over the recorded iterations. */
    static String svg(List<Inspector.Point> pts, List<ToDoubleFunction<Inspector.Point>> series, List<String> colours, int w, int h) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Inspector.Point p : pts)
            for (ToDoubleFunction<Inspector.Point> f : series) {
                double v = f.applyAsDouble(p);
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, Math.log10(v));
                    hi = Math.max(hi, Math.log10(v));
                }
            }
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h
                + "\" style=\"border:1px solid #ddd;background:#fff\">");
        if (pts.size() < 2 || lo > hi) return s.append("<text x=\"8\" y=\"20\" font-size=\"12\">too few iterations to draw</text></svg>").toString();
        lo = Math.floor(lo);
        hi = Math.max(Math.ceil(hi), lo + 1);
        int left = w > 300 ? 48 : 6, pad = 6;
        int n = pts.get(pts.size() - 1).iteration(), first = pts.get(0).iteration();
        if (w > 300)
            for (double e = lo; e <= hi; e++) {
                double y = pad + (h - 2 * pad) * (hi - e) / (hi - lo);
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"4\" y=\"%.1f\" font-size=\"10\" fill=\"#666\">1e%d</text>",
                        left, w - pad, y, y, y + 3, (int) e));
            }
        for (int k = 0; k < series.size(); k++) {
            StringBuilder d = new StringBuilder();
            for (Inspector.Point p : pts) {
                double v = series.get(k).applyAsDouble(p);
                if (!(v > 0) || !Double.isFinite(v)) continue;
                double x = left + (w - left - pad) * (double) (p.iteration() - first) / Math.max(1, n - first);
                double y = pad + (h - 2 * pad) * (hi - Math.log10(v)) / (hi - lo);
                d.append(d.isEmpty() ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            s.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(colours.get(k)).append("\" stroke-width=\"1.5\"/>");
        }
        return s.append("</svg>").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
