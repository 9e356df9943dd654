package nst.app.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The roofline model and its chart: attainable GFLOP/s = min(peak, bandwidth · intensity), log–log axes,
 * the all-threads roof solid and the one-thread roof dashed, one dot per kernel coloured by group.
 * Drawn with Java2D into a PNG (headless). Leaves out labels on the dots (the report's table names them).
 */
public final class Roofline {
    private Roofline() {}

    /** Attainable GFLOP/s at {@code intensity} FLOP/byte under a roof of {@code peak} GFLOP/s and {@code bw} GB/s. */
    public static double attainable(double peak, double bw, double intensity) {
        return Math.min(peak, bw * intensity);
    }

    /** The ridge point: the intensity (FLOP/byte) above which the roof is the compute peak. */
    public static double ridge(double peak, double bw) {
        return peak / bw;
    }

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0xff7f0e), new Color(0x8c564b)};

    /** The chart as PNG bytes, {@code width}×{@code height}. */
    public static byte[] png(MachinePeak.Result m, List<KernelSuite.Timing> ts, String title, int width, int height) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        // Axis ranges: powers of two (x) and ten (y) that hold the roofs and every dot.
        double xMin = 1.0 / 16, xMax = 1024, yMax = m.gflopsAll() * 4, yMin = Math.min(m.gbsOne() * xMin, m.gbsAll() * xMin);
        for (KernelSuite.Timing t : ts) {
            xMin = Math.min(xMin, t.intensity() / 2); xMax = Math.max(xMax, t.intensity() * 2);
            yMin = Math.min(yMin, t.gflops() / 2); yMax = Math.max(yMax, t.gflops() * 2);
        }
        double lx0 = Math.floor(log2(xMin)), lx1 = Math.ceil(log2(xMax));
        double ly0 = Math.floor(Math.log10(Math.max(yMin, 1e-3))), ly1 = Math.ceil(Math.log10(yMax));
        int left = 80, right = 190, top = 50, bottom = 60;
        int pw = width - left - right, ph = height - top - bottom;
        Axis ax = new Axis(left, top, pw, ph, lx0, lx1, ly0, ly1);

        // Grid and tick labels.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double lx = lx0; lx <= lx1; lx++) {
            int x = (int) ax.x(Math.pow(2, lx));
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(x, top, x, top + ph);
            g.setColor(Color.DARK_GRAY);
            String s = lx >= 0 ? String.valueOf((long) Math.pow(2, lx)) : "1/" + (long) Math.pow(2, -lx);
            g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, top + ph + 16);
        }
        for (double ly = ly0; ly <= ly1; ly++) {
            int y = (int) ax.y(Math.pow(10, ly));
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(left, y, left + pw, y);
            g.setColor(Color.DARK_GRAY);
            String s = ly >= 0 ? String.valueOf((long) Math.pow(10, ly)) : String.format(Locale.ROOT, "%s", Math.pow(10, ly));
            g.drawString(s, left - 8 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        g.drawString("arithmetic intensity (FLOP / byte, compulsory traffic)", left + pw / 2 - 150, height - 18);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString("GFLOP/s", -(top + ph / 2) - 25, 20);
        gy.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        // The roofs.
        roof(g, ax, m.gflopsAll(), m.gbsAll(), new BasicStroke(2.2f), String.format(Locale.ROOT, "%d threads: %.0f GFLOP/s, %.1f GB/s",
                m.threads(), m.gflopsAll(), m.gbsAll()));
        roof(g, ax, m.gflopsOne(), m.gbsOne(), new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 5}, 0),
                String.format(Locale.ROOT, "1 thread: %.0f GFLOP/s, %.1f GB/s", m.gflopsOne(), m.gbsOne()));

        // The dots, by group, and the legend.
        Map<String, Color> colours = new LinkedHashMap<>();
        for (KernelSuite.Timing t : ts) colours.computeIfAbsent(t.group(), k -> PALETTE[colours.size() % PALETTE.length]);
        for (KernelSuite.Timing t : ts) {
            g.setColor(colours.get(t.group()));
            double x = ax.x(t.intensity()), y = ax.y(t.gflops());
            if (t.name().contains("ackward")) g.drawRect((int) x - 4, (int) y - 4, 8, 8);
            else g.fillOval((int) x - 4, (int) y - 4, 9, 9);
        }
        int ly = top + 10;
        for (Map.Entry<String, Color> e : colours.entrySet()) {
            g.setColor(e.getValue());
            g.fillOval(left + pw + 14, ly - 8, 9, 9);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), left + pw + 30, ly);
            ly += 18;
        }
        g.setColor(Color.BLACK);
        g.fillOval(left + pw + 14, ly + 2, 9, 9);
        g.drawString("forward", left + pw + 30, ly + 10);
        g.drawRect(left + pw + 14, ly + 20, 8, 8);
        g.drawString("backward", left + pw + 30, ly + 28);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) throw new IOException("no PNG writer in this JDK");
        return bytes.toByteArray();
    }

    private static void roof(Graphics2D g, Axis ax, double peak, double bw, BasicStroke stroke, String label) {
        double r = ridge(peak, bw);
        double x0 = Math.pow(2, ax.lx0), x1 = Math.pow(2, ax.lx1);
        Path2D p = new Path2D.Double();
        double xs = Math.max(x0, Math.pow(10, ax.ly0) / bw);
        p.moveTo(ax.x(xs), ax.y(attainable(peak, bw, xs)));
        if (r > xs && r < x1) p.lineTo(ax.x(r), ax.y(peak));
        p.lineTo(ax.x(x1), ax.y(attainable(peak, bw, x1)));
        Graphics2D g2 = (Graphics2D) g.create();
        g2.setColor(Color.BLACK);
        g2.setStroke(stroke);
        g2.draw(p);
        g2.drawString(label, (float) ax.x(x1) - 250, (float) ax.y(peak) - 6);
        g2.dispose();
    }

    private static double log2(double v) { return Math.log(v) / Math.log(2); }

    /** Log–log mapping from data to pixels. */
    private record Axis(int left, int top, int pw, int ph, double lx0, double lx1, double ly0, double ly1) {
        double x(double v) { return left + pw * (log2(v) - lx0) / (lx1 - lx0); }
        double y(double v) { return top + ph - ph * (Math.log10(v) - ly0) / (ly1 - ly0); }
    }
}
