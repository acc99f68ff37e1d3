package org.visualrft.core.eval;

/**
 * Turns ranked detection outcomes into the reference tools' precision samples and final recall (COCOeval and
 * LVISEval accumulate): cumulative TP/FP over all ranked detections (ignored ones included, they add to neither),
 * recall = tp / nGt, precision = tp / (fp + tp + eps), the precision made non-increasing from the right (suffix
 * maximum), then sampled at each recall point by numpy's {@code searchsorted(recall, points, 'left')}; points past
 * the last recall reached get 0.
 *
 * <p>Computed without materialising the curve, yet giving the same doubles: recall only rises at true positives, so
 * every searched index is position 0 or a true positive; between true positives precision does not rise, so the
 * suffix maximum at a true positive is the maximum over that and later true positives. Precision is therefore
 * evaluated (with the reference's exact expression) only at true positives, and all IoU thresholds are read in one
 * pass over the ranking.
 */
public final class PrecisionCurve {
    /** numpy's {@code np.spacing(1)}. */
    private static final double EPS = Math.ulp(1.0);

    private final int thresholds;
    private final int[][] tpPosition;
    private final int[][] fpBefore;
    private final double[] suffixMax;
    private final int[] tpCount;
    private final int[] fpCount;

    /** A workspace for curves of up to {@code capacity} detections and {@code thresholds} IoU thresholds. */
    public PrecisionCurve(int capacity, int thresholds) {
        this.thresholds = thresholds;
        int c = Math.max(1, capacity);
        tpPosition = new int[thresholds][c];
        fpBefore = new int[thresholds][c];
        suffixMax = new double[c];
        tpCount = new int[thresholds];
        fpCount = new int[thresholds];
    }

    /**
     * @param outcomes     {@link GreedyMatcher} outcome bits
     * @param ranked       indices into {@code outcomes}, in rank order
     * @param n            how many of {@code ranked} to use
     * @param groundTruth  number of non-ignored ground truths (> 0)
     * @param recallPoints the recall thresholds, ascending
     * @param precision    receives precision[t][r] at {@code precisionBase + t * precisionTStride + r * precisionRStride}
     * @param recall       receives the final recall of threshold t at {@code recallBase + t * recallTStride}
     */
    public void sample(int[] outcomes, int[] ranked, int n, int groundTruth, double[] recallPoints,
            double[] precision, int precisionBase, int precisionTStride, int precisionRStride,
            double[] recall, int recallBase, int recallTStride) {
        java.util.Arrays.fill(tpCount, 0);
        java.util.Arrays.fill(fpCount, 0);
        for (int i = 0; i < n; i++) {
            int o = outcomes[ranked[i]];
            if (o == 0) {
                continue;
            }
            for (int t = 0; t < thresholds; t++) {
                if ((o & (1 << t)) != 0) {
                    int c = tpCount[t]++;
                    tpPosition[t][c] = i;
                    fpBefore[t][c] = fpCount[t];
                } else if ((o & (1 << (GreedyMatcher.FP_SHIFT + t))) != 0) {
                    fpCount[t]++;
                }
            }
        }
        double nGt = groundTruth;
        for (int t = 0; t < thresholds; t++) {
            int tps = tpCount[t];
            int[] pos = tpPosition[t];
            int[] fp = fpBefore[t];
            double best = Double.NEGATIVE_INFINITY;
            for (int j = tps - 1; j >= 0; j--) {
                double tp = j + 1;
                double pr = tp / ((fp[j] + tp) + EPS);
                if (pr > best) {
                    best = pr;
                }
                suffixMax[j] = best;
            }
            int out = precisionBase + t * precisionTStride;
            // position 0 when it is not a true positive: recall 0 there, precision 0 (0 / (fp + 0 + eps))
            boolean zeroIsBreakpoint = n > 0 && (tps == 0 || pos[0] != 0);
            double atZero = tps == 0 ? 0.0 : Math.max(0.0, suffixMax[0]);
            int j = 0;
            for (int r = 0; r < recallPoints.length; r++) {
                double v = recallPoints[r];
                double q;
                if (zeroIsBreakpoint && !(0.0 / nGt < v)) {
                    q = atZero;
                } else {
                    while (j < tps && (j + 1) / nGt < v) {
                        j++;
                    }
                    q = j < tps ? suffixMax[j] : 0.0;
                }
                precision[out + r * precisionRStride] = q;
            }
            recall[recallBase + t * recallTStride] = n > 0 ? tps / nGt : 0.0;
        }
    }
}
