package org.visualrft.core.eval.lvis;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.core.eval.NumpyMean;
import org.visualrft.core.eval.PerCategoryAp;
import org.visualrft.core.eval.coco.CocoSummary;

/**
 * LVISEval's {@code eval}: precision [T][R][K][A] and recall [T][K][A] (numpy C order, -1 where undefined), the
 * 13 results of {@code summarize()} and Visual-RFT's per-category AP.
 */
public final class LvisEvalResult {
    private final LvisEvaluator evaluator;
    private final long[] categoryIds;
    private final double[] precision;
    private final double[] recall;
    private final List<List<Integer>> frequencyGroups;
    private final int detectionsOverLimit;

    LvisEvalResult(LvisEvaluator evaluator, long[] categoryIds, double[] precision, double[] recall,
            List<List<Integer>> frequencyGroups, int detectionsOverLimit) {
        this.evaluator = evaluator;
        this.categoryIds = categoryIds;
        this.precision = precision;
        this.recall = recall;
        this.frequencyGroups = frequencyGroups;
        this.detectionsOverLimit = detectionsOverLimit;
    }

    /** Detections dropped by the per-image limit (300 by default). */
    public int detectionsOverLimit() {
        return detectionsOverLimit;
    }

    public long[] categoryIds() {
        return categoryIds.clone();
    }

    public double precision(int t, int r, int k, int a) {
        int R = evaluator.recallThresholds.length;
        int K = categoryIds.length;
        int A = evaluator.areas.size();
        return precision[((t * R + r) * K + k) * A + a];
    }

    public double recall(int t, int k, int a) {
        int K = categoryIds.length;
        int A = evaluator.areas.size();
        return recall[(t * K + k) * A + a];
    }

    /**
     * LVISEval.summarize()'s results, in its order and with its keys: AP, AP50, AP75, APs, APm, APl, APr, APc, APf,
     * AR@300, ARs@300, ARm@300, ARl@300 (the suffix is the per-image limit).
     */
    public Map<String, Double> results() {
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("AP", ap(null, 0, null));
        r.put("AP50", ap(0.5, 0, null));
        r.put("AP75", ap(0.75, 0, null));
        r.put("APs", ap(null, 1, null));
        r.put("APm", ap(null, 2, null));
        r.put("APl", ap(null, 3, null));
        r.put("APr", ap(null, 0, frequencyGroups.get(0)));
        r.put("APc", ap(null, 0, frequencyGroups.get(1)));
        r.put("APf", ap(null, 0, frequencyGroups.get(2)));
        String suffix = Integer.toString(evaluator.maxDetsPerImage());
        r.put("AR@" + suffix, ar(0));
        r.put("ARs@" + suffix, ar(1));
        r.put("ARm@" + suffix, ar(2));
        r.put("ARl@" + suffix, ar(3));
        return r;
    }

    private double ap(Double iouThr, int a, List<Integer> group) {
        double[] thr = evaluator.iouThresholds;
        int R = evaluator.recallThresholds.length;
        int K = categoryIds.length;
        double[] buf = new double[thr.length * R * Math.max(1, K)];
        int n = 0;
        for (int t = 0; t < thr.length; t++) {
            if (iouThr != null && thr[t] != iouThr) {
                continue;
            }
            for (int r = 0; r < R; r++) {
                if (group == null) {
                    for (int k = 0; k < K; k++) {
                        double v = precision(t, r, k, a);
                        if (v > -1) {
                            buf[n++] = v;
                        }
                    }
                } else {
                    for (int k : group) {
                        double v = precision(t, r, k, a);
                        if (v > -1) {
                            buf[n++] = v;
                        }
                    }
                }
            }
        }
        return n == 0 ? -1.0 : NumpyMean.mean(buf, n);
    }

    private double ar(int a) {
        int T = evaluator.iouThresholds.length;
        int K = categoryIds.length;
        double[] buf = new double[T * Math.max(1, K)];
        int n = 0;
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < K; k++) {
                double v = recall(t, k, a);
                if (v > -1) {
                    buf[n++] = v;
                }
            }
        }
        return n == 0 ? -1.0 : NumpyMean.mean(buf, n);
    }

    /**
     * AP of one category as Visual-RFT's LVIS notebook computes it: mean of {@code precision[:, :, k, :]} entries
     * > -1 over all IoU thresholds, recall points <b>and all four area ranges</b>; -1 when there are none.
     */
    public double categoryAp(int k) {
        int T = evaluator.iouThresholds.length;
        int R = evaluator.recallThresholds.length;
        int A = evaluator.areas.size();
        double[] buf = new double[T * R * A];
        int n = 0;
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < R; r++) {
                for (int a = 0; a < A; a++) {
                    double v = precision(t, r, k, a);
                    if (v > -1) {
                        buf[n++] = v;
                    }
                }
            }
        }
        return n == 0 ? -1.0 : NumpyMean.mean(buf, n);
    }

    /** {@link #categoryAp} for every category, keyed by id, ascending. */
    public Map<Long, Double> perCategoryAp() {
        return PerCategoryAp.byId(categoryIds, this::categoryAp);
    }

    /** Mean of per-category AP over {@code subset} (Visual-RFT's LVIS mAP); every category must have an AP. */
    public double subsetMeanAp(Collection<Long> subset) {
        return PerCategoryAp.subsetMean(perCategoryAp(), subset);
    }

    /** The lines lvis-api's {@code print_results()} prints. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        double[] thr = evaluator.iouThresholds;
        for (Map.Entry<String, Double> e : results().entrySet()) {
            String key = e.getKey();
            boolean ap = key.contains("AP");
            String iou = key.length() > 2 && Character.isDigit(key.charAt(2))
                    ? CocoSummary.fixed(Double.parseDouble(key.substring(2)) / 100, 2)
                    : CocoSummary.fixed(thr[0], 2) + ":" + CocoSummary.fixed(thr[thr.length - 1], 2);
            String group = key.length() > 2 && "rcf".indexOf(key.charAt(2)) >= 0 ? key.substring(2, 3) : "all";
            String area = key.length() > 2 && "sml".indexOf(key.charAt(2)) >= 0 ? key.substring(2, 3) : "all";
            b.append(String.format(Locale.ROOT, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d catIds=%3s] = %s%n",
                    ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou, area,
                    evaluator.maxDetsPerImage(), group, CocoSummary.fixed(e.getValue(), 3)));
        }
        return b.toString();
    }
}
