package org.visualrft.app.report;

import java.util.List;

/**
 * A table in the layout of one of the paper's tables: a title, column headers and rows of cells.
 *
 * @param id      stable key, e.g. {@code table2}
 * @param title   e.g. "Table 2 — few-shot fine-grained classification (hard group, accuracy)"
 * @param columns headers of the value columns (the row label column is implicit)
 * @param rows    the rows
 * @param note    one sentence under the table (what the numbers are), may be empty
 */
public record ReportTable(String id, String title, List<String> columns, List<Row> rows, String note) {
    public ReportTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** One row: a label and one cell per column (a null cell is shown as a dash). */
    public record Row(String label, List<MeanSpread> cells) {
        public Row {
            cells = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(cells));
        }
    }
}
