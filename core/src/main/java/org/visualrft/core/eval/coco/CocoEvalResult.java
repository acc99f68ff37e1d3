package org.visualrft.core.eval.coco;

import java.util.Collection;
import java.util.Map;
import org.visualrft.core.eval.NumpyMean;
import org.visualrft.core.eval.PerCategoryAp;

/**
 * What COCOeval leaves in {@code eval}: precision [T][R][K][A][M] and recall [T][K][A][M] (flattened in numpy's C
 * order, -1 where undefined), plus the numbers derived from them: the 12 summary stats, per-category AP and the
 * Visual-RFT mean over a category subset.
 */
public final class CocoEvalResult {
    private final CocoEvalParams params;
    private final long[] imageIds;
    private final long[] categoryIds;
    private final double[] precision;
    private final double[] recall;
    private final int detectionsOfUnknownCategories;

    CocoEvalResult(CocoEvalParams params, long[] imageIds, long[] categoryIds, double[] precision, double[] recall,
            int detectionsOfUnknownCategories) {
        this.params = params;
        this.imageIds = imageIds;
        this.categoryIds = categoryIds;
        this.precision = precision;
        this.recall = recall;
        this.detectionsOfUnknownCategories = detectionsOfUnknownCategories;
    }

    public CocoEvalParams params() {
        return params;
    }

    /** Evaluated category ids, ascending (the K axis). */
    public long[] categoryIds() {
        return categoryIds.clone();
    }

    public int imageCount() {
        return imageIds.length;
    }

    /** Detections left out because the ground truth does not list their category (pycocotools drops them too). */
    public int detectionsOfUnknownCategories() {
        return detectionsOfUnknownCategories;
    }

    /** precision[t][r][k][a][m]. */
    public double precision(int t, int r, int k, int a, int m) {
        int R = params.recallThresholds().length;
        int K = categoryIds.length;
        int A = params.areaRanges().size();
        int M = params.maxDets().length;
        return precision[(((t * R + r) * K + k) * A + a) * M + m];
    }

    /** recall[t][k][a][m]. */
    public double recall(int t, int k, int a, int m) {
        int K = categoryIds.length;
        int A = params.areaRanges().size();
        int M = params.maxDets().length;
        return recall[((t * K + k) * A + a) * M + m];
    }

    /** The 12 numbers of {@code COCOeval.summarize()} ({@code ev.stats}), in its order. */
    public double[] stats() {
        int[] md = params.maxDets();
        return new double[] {
            summarize(true, null, "all", md[2]),
            summarize(true, 0.5, "all", md[2]),
            summarize(true, 0.75, "all", md[2]),
            summarize(true, null, "small", md[2]),
            summarize(true, null, "medium", md[2]),
            summarize(true, null, "large", md[2]),
            summarize(false, null, "all", md[0]),
            summarize(false, null, "all", md[1]),
            summarize(false, null, "all", md[2]),
            summarize(false, null, "small", md[2]),
            summarize(false, null, "medium", md[2]),
            summarize(false, null, "large", md[2]),
        };
    }

    /**
     * COCOeval._summarize: mean over entries > -1 of the selected slice (IoU threshold picked by exact equality,
     * as numpy's {@code np.where(iouThr == p.iouThrs)} does), -1 when there are none.
     */
    private double summarize(boolean ap, Double iouThr, String area, int maxDets) {
        double[] thr = params.iouThresholds();
        int a = -1;
        for (int i = 0; i < params.areaRanges().size(); i++) {
            if (params.areaRanges().get(i).label().equals(area)) {
                a = i;
            }
        }
        int m = -1;
        for (int i = 0; i < params.maxDets().length; i++) {
            if (params.maxDets()[i] == maxDets) {
                m = i;
            }
        }
        int R = params.recallThresholds().length;
        int K = categoryIds.length;
        double[] buf = new double[thr.length * (ap ? R : 1) * Math.max(K, 1)];
        int n = 0;
        if (a >= 0 && m >= 0) {
            for (int t = 0; t < thr.length; t++) {
                if (iouThr != null && thr[t] != iouThr) {
                    continue;
                }
                if (ap) {
                    for (int r = 0; r < R; r++) {
                        for (int k = 0; k < K; k++) {
                            double v = precision(t, r, k, a, m);
                            if (v > -1) {
                                buf[n++] = v;
                            }
                        }
                    }
                } else {
                    for (int k = 0; k < K; k++) {
                        double v = recall(t, k, a, m);
                        if (v > -1) {
                            buf[n++] = v;
                        }
                    }
                }
            }
        }
        return n == 0 ? -1.0 : NumpyMean.mean(buf, n);
    }

    /**
     * AP of one category as Visual-RFT's {@code coco_evaluation.py} computes it: mean of
     * {@code precision[:, :, k, area all, maxDets last]} over entries > -1, or -1 when there are none (a category
     * without non-crowd ground truth). Not multiplied by 100.
     */
    public double categoryAp(int k) {
        int T = params.iouThresholds().length;
        int R = params.recallThresholds().length;
        int m = params.maxDets().length - 1;
        double[] buf = new double[T * R];
        int n = 0;
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < R; r++) {
                double v = precision(t, r, k, 0, m);
                if (v > -1) {
                    buf[n++] = v;
                }
            }
        }
        return n == 0 ? -1.0 : NumpyMean.mean(buf, n);
    }

    /** Per-category AP keyed by category id, ascending. */
    public Map<Long, Double> perCategoryAp() {
        return PerCategoryAp.byId(categoryIds, this::categoryAp);
    }

    /**
     * The number Visual-RFT reports as mAP for a category selection: the arithmetic mean (numpy's) of per-category AP
     * over {@code subset}, in the subset's order. A category with AP -1 (no ground truth)
     * is an error here, where Visual-RFT would silently produce a meaningless number.
     */
    public double subsetMeanAp(Collection<Long> subset) {
        return PerCategoryAp.subsetMean(perCategoryAp(), subset);
    }
}
