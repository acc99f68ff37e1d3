package org.visualrft.app.report;

import java.util.ArrayList;
import java.util.List;

/** Renders a {@link ReportTable} as aligned plain text for the console. */
public final class TextTable {
    private TextTable() {
    }

    public static String render(ReportTable t) {
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>();
        header.add("");
        header.addAll(t.columns());
        cells.add(header);
        for (ReportTable.Row r : t.rows()) {
            List<String> line = new ArrayList<>();
            line.add(r.label());
            for (MeanSpread m : r.cells()) {
                line.add(m == null ? "–" : m.format());
            }
            cells.add(line);
        }
        int cols = header.size();
        int[] width = new int[cols];
        for (List<String> line : cells) {
            for (int c = 0; c < cols && c < line.size(); c++) {
                width[c] = Math.max(width[c], line.get(c).length());
            }
        }
        StringBuilder b = new StringBuilder(t.title()).append('\n');
        for (int i = 0; i < cells.size(); i++) {
            List<String> line = cells.get(i);
            for (int c = 0; c < cols; c++) {
                String v = c < line.size() ? line.get(c) : "";
                b.append(c == 0 ? pad(v, width[c], false) : "  " + pad(v, width[c], true));
            }
            b.append('\n');
            if (i == 0) {
                int total = java.util.Arrays.stream(width).sum() + 2 * (cols - 1);
                b.append("-".repeat(total)).append('\n');
            }
        }
        if (!t.note().isEmpty()) {
            b.append(t.note()).append('\n');
        }
        return b.toString();
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(Math.max(0, w - s.length()));
        return right ? fill + s : s + fill;
    }
}
