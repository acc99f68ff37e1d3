package org.visualrft.app.report;

import java.util.List;

/**
 * A plot: named series of (x, y) points, optionally with a spread per point (drawn as a band or error bar).
 *
 * @param id     file stem of the PNG, e.g. {@code reward-cls}
 * @param title  plot title
 * @param xLabel x axis label
 * @param yLabel y axis label
 * @param series the lines
 * @param categories when not empty: draw grouped bars, one group per category; series x values are indices into it
 */
public record Curve(String id, String title, String xLabel, String yLabel, List<Series> series,
        List<String> categories) {
    public Curve {
        series = List.copyOf(series);
        categories = List.copyOf(categories);
    }

    /** Whether this is a bar chart over categories. */
    public boolean bars() {
        return !categories.isEmpty();
    }

    /** One line (or bar group member). {@code spread} may be null. */
    public record Series(String name, double[] x, double[] y, double[] spread) {
        public Series {
            if (x.length != y.length || (spread != null && spread.length != y.length)) {
                throw new IllegalArgumentException("series " + name + ": x, y and spread lengths differ");
            }
        }
    }
}
