package org.visualrft.app.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Draws a {@link Curve} as a PNG with Java2D (lines with spread bands, or grouped bars with error bars). */
public final class ChartPainter {
    static final int WIDTH = 760;
    static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 55;
    private static final Color[] PALETTE = {new Color(0x4e79a7), new Color(0xe15759), new Color(0x59a14f),
        new Color(0xf28e2b), new Color(0x76b7b2), new Color(0xb07aa1), new Color(0x9c755f), new Color(0xedc948)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartPainter() {
    }

    /** The PNG bytes of the chart. */
    public static byte[] png(Curve c) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            paint(g, c);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void paint(Graphics2D g, Curve c) {
        double[] xr = c.bars() ? new double[] {-0.5, c.categories().size() - 0.5} : range(c, true);
        double[] yr = range(c, false);
        if (c.bars()) {
            // bars start at zero (all-zero data keeps the padded range above zero)
            boolean nonNegative = c.series().stream().flatMapToDouble(s -> java.util.Arrays.stream(s.y()))
                    .filter(Double::isFinite).allMatch(v -> v >= 0);
            yr[0] = nonNegative ? 0 : Math.min(0, yr[0]);
            yr[1] = Math.max(yr[1], yr[0] + 1e-6);
        }
        double[] yTicks = niceTicks(yr[0], yr[1]);
        yr[0] = yTicks[0];
        yr[1] = yTicks[yTicks.length - 1];
        int pw = WIDTH - LEFT - RIGHT;
        int ph = HEIGHT - TOP - BOTTOM;
        Axis ax = new Axis(xr[0], xr[1], yr[0], yr[1], pw, ph);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(c.title(), LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        // grid and y ticks
        for (double t : yTicks) {
            int y = ax.py(t);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(LEFT, y, LEFT + pw, y);
            g.setColor(Color.DARK_GRAY);
            String s = tickLabel(t, yTicks);
            g.drawString(s, LEFT - 6 - fm.stringWidth(s), y + 4);
        }
        // x ticks
        g.setColor(Color.DARK_GRAY);
        if (c.bars()) {
            for (int i = 0; i < c.categories().size(); i++) {
                String s = c.categories().get(i);
                g.drawString(s, ax.px(i) - fm.stringWidth(s) / 2, TOP + ph + 16);
            }
        } else {
            double[] xTicks = niceTicks(xr[0], xr[1]);
            for (double t : xTicks) {
                if (t < xr[0] || t > xr[1]) {
                    continue;
                }
                String s = tickLabel(t, xTicks);
                g.drawString(s, ax.px(t) - fm.stringWidth(s) / 2, TOP + ph + 16);
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.drawString(c.xLabel(), LEFT + pw / 2 - fm.stringWidth(c.xLabel()) / 2, HEIGHT - 14);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(c.yLabel(), -(TOP + ph / 2) - fm.stringWidth(c.yLabel()) / 2, 18);
        rotated.dispose();

        int n = c.series().size();
        for (int s = 0; s < n; s++) {
            Curve.Series ser = c.series().get(s);
            Color col = PALETTE[s % PALETTE.length];
            if (c.bars()) {
                drawBars(g, ax, ser, s, n, col);
            } else {
                drawLine(g, ax, ser, col);
            }
            // legend
            int ly = TOP + 10 + s * 18;
            g.setColor(col);
            g.fillRect(LEFT + pw + 14, ly - 8, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(ser.name(), LEFT + pw + 34, ly + 1);
        }
    }

    private static void drawLine(Graphics2D g, Axis ax, Curve.Series ser, Color col) {
        if (ser.x().length == 0) {
            return;
        }
        if (ser.spread() != null) {
            Path2D band = new Path2D.Double();
            for (int i = 0; i < ser.x().length; i++) {
                double px = ax.px(ser.x()[i]);
                double py = ax.py(ser.y()[i] + ser.spread()[i]);
                if (i == 0) {
                    band.moveTo(px, py);
                } else {
                    band.lineTo(px, py);
                }
            }
            for (int i = ser.x().length - 1; i >= 0; i--) {
                band.lineTo(ax.px(ser.x()[i]), ax.py(ser.y()[i] - ser.spread()[i]));
            }
            band.closePath();
            g.setColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 50));
            g.fill(band);
        }
        Path2D line = new Path2D.Double();
        for (int i = 0; i < ser.x().length; i++) {
            if (i == 0) {
                line.moveTo(ax.px(ser.x()[i]), ax.py(ser.y()[i]));
            } else {
                line.lineTo(ax.px(ser.x()[i]), ax.py(ser.y()[i]));
            }
        }
        g.setColor(col);
        g.setStroke(new BasicStroke(2f));
        g.draw(line);
        if (ser.x().length == 1) {
            g.fillOval(ax.px(ser.x()[0]) - 3, ax.py(ser.y()[0]) - 3, 6, 6);
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static void drawBars(Graphics2D g, Axis ax, Curve.Series ser, int s, int n, Color col) {
        double groupWidth = 0.8;
        double w = groupWidth / n;
        for (int i = 0; i < ser.x().length; i++) {
            double left = ser.x()[i] - groupWidth / 2 + s * w;
            int x0 = ax.px(left);
            int x1 = ax.px(left + w) - 1;
            int y = ax.py(ser.y()[i]);
            int y0 = ax.py(0);
            g.setColor(col);
            g.fillRect(x0, Math.min(y, y0), Math.max(1, x1 - x0), Math.abs(y0 - y));
            if (ser.spread() != null && ser.spread()[i] > 0) {
                int mid = (x0 + x1) / 2;
                int hi = ax.py(ser.y()[i] + ser.spread()[i]);
                int lo = ax.py(ser.y()[i] - ser.spread()[i]);
                g.setColor(Color.BLACK);
                g.drawLine(mid, hi, mid, lo);
                g.drawLine(mid - 4, hi, mid + 4, hi);
                g.drawLine(mid - 4, lo, mid + 4, lo);
            }
        }
    }

    private record Axis(double x0, double x1, double y0, double y1, int pw, int ph) {
        int px(double x) {
            return LEFT + (int) Math.round((x - x0) / (x1 - x0) * pw);
        }

        int py(double y) {
            return TOP + ph - (int) Math.round((y - y0) / (y1 - y0) * ph);
        }
    }

    private static double[] range(Curve c, boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Curve.Series s : c.series()) {
            for (int i = 0; i < s.x().length; i++) {
                double sp = !x && s.spread() != null ? s.spread()[i] : 0;
                double v = x ? s.x()[i] : s.y()[i];
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v - sp);
                    hi = Math.max(hi, v + sp);
                }
            }
        }
        if (!Double.isFinite(lo)) {
            return new double[] {0, 1};
        }
        if (hi - lo < 1e-9) {
            double pad = Math.max(Math.abs(hi) * 0.1, 0.5);
            return new double[] {lo - pad, hi + pad};
        }
        return new double[] {lo, hi};
    }

    /** Tick values at 1, 2 or 5 × 10^k spanning [lo, hi]. */
    static double[] niceTicks(double lo, double hi) {
        double span = hi - lo;
        double raw = span / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3 ? 2 * mag : raw / mag < 7 ? 5 * mag : 10 * mag;
        double start = Math.floor(lo / step) * step;
        double end = Math.ceil(hi / step) * step;
        int count = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[count];
        for (int i = 0; i < count; i++) {
            t[i] = start + i * step;
        }
        return t;
    }

    private static String tickLabel(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
