package org.visualrft.app.report;

import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/** {@code report.html}: one self-contained page (styles inline, plots embedded as PNG data URIs, no scripts). */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** The page; {@code pngs} maps curve ids to their PNG bytes. */
    public static String render(DemoResults r, Map<String, byte[]> pngs) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>visual-rft demo report</title><style>")
                .append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1.5em}")
                .append("th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}")
                .append("caption{text-align:left;font-weight:bold;padding:.3em 0}")
                .append(".note{color:#555;font-size:.9em}.missing{background:#fff4e5;padding:.5em 1em}")
                .append("img{max-width:100%;border:1px solid #eee}code{background:#f6f6f6}")
                .append("</style></head><body>\n");
        b.append("<h1>Visual-RFT on the built-in world: few-shot RFT vs SFT</h1>\n");
        b.append("<p class=\"note\">visual-rft ").append(esc(r.version())).append(", mode <code>")
                .append(esc(r.mode())).append("</code>, seed ").append(r.seed())
                .append(". Scores are fractions (accuracy, COCO mAP@[.5:.95] from our evaluator, mean IoU); ")
                .append("cells are mean ± population standard deviation over k-shot draws (their spread, not a ")
                .append("confidence interval).</p>\n");
        if (!r.missing().isEmpty()) {
            b.append("<div class=\"missing\"><h2>Not run</h2><ul>");
            r.missing().forEach(m -> b.append("<li>").append(esc(m)).append("</li>"));
            b.append("</ul></div>\n");
        }
        if (!r.findings().isEmpty()) {
            b.append("<h2>Findings</h2><ul>");
            r.findings().forEach(f -> b.append("<li>").append(esc(f)).append("</li>"));
            b.append("</ul>\n");
        }
        b.append("<h2>Tables</h2>\n");
        for (ReportTable t : r.tables()) {
            b.append("<table><caption>").append(esc(t.title())).append("</caption><tr><th></th>");
            t.columns().forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
            b.append("</tr>");
            for (ReportTable.Row row : t.rows()) {
                b.append("<tr><td>").append(esc(row.label())).append("</td>");
                for (MeanSpread m : row.cells()) {
                    b.append("<td>").append(m == null ? "–" : esc(m.format())).append("</td>");
                }
                b.append("</tr>");
            }
            b.append("</table>");
            if (!t.note().isEmpty()) {
                b.append("<p class=\"note\">").append(esc(t.note())).append("</p>");
            }
            b.append('\n');
        }
        if (!r.passAtK().isEmpty()) {
            b.append("<h2>Base model: pass@1 and pass@k on the targets</h2><table><tr><th>target</th><th>n</th>")
                    .append("<th>pass@1 greedy</th><th>pass@1 sampled</th><th>pass@k</th><th>k</th>")
                    .append("<th>zero-variance share</th></tr>");
            for (PassAtK p : r.passAtK()) {
                b.append("<tr><td>").append(esc(p.target())).append("</td><td>").append(p.n()).append("</td>")
                        .append(cell(p.pass1Greedy())).append(cell(p.pass1Sampled())).append(cell(p.passK()))
                        .append("<td>").append(p.k()).append("</td>").append(cell(p.zeroVarianceShare()))
                        .append("</tr>");
            }
            b.append("</table>\n");
        }
        if (!r.curves().isEmpty()) {
            b.append("<h2>Plots</h2>\n<p class=\"note\">Lines and bars: the mean over k-shot draws; bands and error ")
                    .append("bars: ± the population standard deviation over the draws (none with one draw).</p>\n");
            for (Curve c : r.curves()) {
                byte[] png = pngs.get(c.id());
                if (png != null) {
                    b.append("<p><img alt=\"").append(esc(c.title())).append("\" src=\"data:image/png;base64,")
                            .append(Base64.getEncoder().encodeToString(png)).append("\"></p>\n");
                }
            }
        }
        if (!r.runs().isEmpty()) {
            b.append("<h2>Every run</h2><table><tr><th>setting</th><th>method</th><th>CoT</th><th>draw</th>")
                    .append("<th>steps</th><th>examples</th><th>seconds</th><th>scores</th><th>training</th></tr>");
            for (RunRecord run : r.runs()) {
                b.append("<tr><td>").append(esc(run.setting())).append("</td><td>").append(esc(run.method()))
                        .append("</td><td>").append(run.cot() ? "yes" : "no").append("</td><td>").append(run.draw())
                        .append("</td><td>").append(run.steps()).append("</td><td>").append(run.trainExamples())
                        .append("</td>").append(cell(run.seconds())).append("<td style=\"text-align:left\">")
                        .append(esc(compact(run.scores()))).append("</td><td style=\"text-align:left\">")
                        .append(esc(compact(run.training()))).append("</td></tr>");
            }
            b.append("</table>\n");
        }
        b.append("<h2>Settings</h2><table>");
        new java.util.TreeMap<>(r.config()).forEach((k, v) -> b.append("<tr><td>").append(esc(k)).append("</td><td>")
                .append(esc(String.valueOf(v))).append("</td></tr>"));
        new java.util.TreeMap<>(r.evalSetSizes()).forEach((k, v) -> b.append("<tr><td>eval set ").append(esc(k))
                .append("</td><td>").append(v).append("</td></tr>"));
        new java.util.TreeMap<>(r.timings()).forEach((k, v) -> b.append("<tr><td>time ").append(esc(k))
                .append(" (s)</td><td>").append(String.format(Locale.ROOT, "%.1f", v)).append("</td></tr>"));
        b.append("</table>\n</body></html>\n");
        return b.toString();
    }

    private static String cell(double v) {
        return "<td>" + (Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–") + "</td>";
    }

    private static String compact(Map<String, Double> m) {
        StringBuilder s = new StringBuilder();
        new java.util.TreeMap<>(m).forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–"));
        return s.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
