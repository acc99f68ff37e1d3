package org.visualrft.core.eval;

/**
 * Turns ranked detection outcomes into the reference tools' precision samples and final recall (COCOeval and
 * LVISEval accumulate): cumulative TP/FP over all ranked detections (ignored ones included, they add to neither),
 * recall = tp / nGt, precision = tp / (tp + fp + eps), the precision envelope made non-increasing from the right,
 * then sampled at each recall threshold by numpy's {@code searchsorted(recall, thr, 'left')}; thresholds beyond the
 * last reached recall get 0.
 */
public final class PrecisionCurve {
    /** numpy's {@code np.spacing(1)}. */
    private static final double EPS = Math.ulp(1.0);

    private final double[] tpSum;
    private final double[] fpSum;
    private final double[] pr;

    /** A workspace for curves of up to {@code capacity} detections. */
    public PrecisionCurve(int capacity) {
        tpSum = new double[Math.max(1, capacity)];
        fpSum = new double[Math.max(1, capacity)];
        pr = new double[Math.max(1, capacity)];
    }

    /**
     * @param outcomes    {@link GreedyMatcher} outcome bits
     * @param ranked      indices into {@code outcomes}, in rank order
     * @param n           how many of {@code ranked} to use
     * @param threshold   which IoU threshold's bits to read
     * @param groundTruth number of non-ignored ground truths (> 0)
     * @param recallThresholds recall points
     * @param precisionOut receives one precision per recall point, at {@code offset + r * stride}
     * @return the final recall (0 when there are no detections)
     */
    public double sample(int[] outcomes, int[] ranked, int n, int threshold, int groundTruth,
            double[] recallThresholds, double[] precisionOut, int offset, int stride) {
        int tpBit = 1 << threshold;
        int fpBit = 1 << (GreedyMatcher.FP_SHIFT + threshold);
        long tp = 0;
        long fp = 0;
        for (int i = 0; i < n; i++) {
            int o = outcomes[ranked[i]];
            if ((o & tpBit) != 0) {
                tp++;
            } else if ((o & fpBit) != 0) {
                fp++;
            }
            tpSum[i] = tp;
            fpSum[i] = fp;
        }
        double nGt = groundTruth;
        for (int i = 0; i < n; i++) {
            pr[i] = tpSum[i] / (fpSum[i] + tpSum[i] + EPS);
        }
        for (int i = n - 1; i > 0; i--) {
            if (pr[i] > pr[i - 1]) {
                pr[i - 1] = pr[i];
            }
        }
        int i = 0;
        for (int r = 0; r < recallThresholds.length; r++) {
            double thr = recallThresholds[r];
            // rc is non-decreasing and thresholds increase, so the insertion point only moves right
            while (i < n && tpSum[i] / nGt < thr) {
                i++;
            }
            precisionOut[offset + r * stride] = i < n ? pr[i] : 0.0;
        }
        return n > 0 ? tpSum[n - 1] / nGt : 0.0;
    }
}
