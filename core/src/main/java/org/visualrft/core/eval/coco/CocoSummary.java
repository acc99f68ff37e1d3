package org.visualrft.core.eval.coco;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/** Text output in pycocotools' printed layout ({@code COCOeval.summarize()}), plus a per-category AP table. */
public final class CocoSummary {
    private CocoSummary() {
    }

    /** The 12 lines pycocotools prints, e.g. {@code " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.254"}. */
    public static String format(CocoEvalResult result) {
        double[] s = result.stats();
        int[] md = result.params().maxDets();
        double[] thr = result.params().iouThresholds();
        String all = String.format(Locale.ROOT, "%s:%s", fixed(thr[0], 2), fixed(thr[thr.length - 1], 2));
        StringBuilder b = new StringBuilder();
        line(b, true, all, "all", md[2], s[0]);
        line(b, true, "0.50", "all", md[2], s[1]);
        line(b, true, "0.75", "all", md[2], s[2]);
        line(b, true, all, "small", md[2], s[3]);
        line(b, true, all, "medium", md[2], s[4]);
        line(b, true, all, "large", md[2], s[5]);
        line(b, false, all, "all", md[0], s[6]);
        line(b, false, all, "all", md[1], s[7]);
        line(b, false, all, "all", md[2], s[8]);
        line(b, false, all, "small", md[2], s[9]);
        line(b, false, all, "medium", md[2], s[10]);
        line(b, false, all, "large", md[2], s[11]);
        return b.toString();
    }

    private static void line(StringBuilder b, boolean ap, String iou, String area, int maxDets, double value) {
        String title = ap ? "Average Precision" : "Average Recall";
        String type = ap ? "(AP)" : "(AR)";
        b.append(String.format(Locale.ROOT, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %s%n",
                title, type, iou, area, maxDets, fixed(value, 3)));
    }

    /** Per-category AP lines {@code "  <id>  <name>  <ap>"}, AP with 4 decimals, -1 shown as "-". */
    public static String perCategory(CocoEvalResult result, Map<Long, String> names) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%10s  %-24s %s%n", "category", "name", "AP"));
        for (Map.Entry<Long, Double> e : result.perCategoryAp().entrySet()) {
            String name = names.getOrDefault(e.getKey(), "");
            double ap = e.getValue();
            b.append(String.format(Locale.ROOT, "%10d  %-24s %s%n", e.getKey(), name,
                    ap == -1 ? "-" : fixed(ap, 4)));
        }
        return b.toString();
    }

    /**
     * Python's {@code '{:.Nf}'.format(x)}: the exact binary value rounded half-even (Java's %f rounds the shortest
     * decimal representation half-up, which differs on some values).
     */
    public static String fixed(double x, int decimals) {
        return new BigDecimal(x).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }
}
