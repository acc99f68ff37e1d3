package org.visualrft.core.eval;

/**
 * The per-image, per-category matching of COCOeval.evaluateImg (and LVISEval.evaluate_img): for each IoU threshold,
 * detections in descending-score order each take the best still-unmatched ground truth (crowd regions may be taken
 * again), with the reference tools' exact rules:
 * <ul>
 *   <li>ground truth is visited non-ignored first (stable), and once a detection holds a non-ignored match it stops
 *       at the first ignored one;</li>
 *   <li>a match needs {@code iou >= min(threshold, 1 - 1e-10)}; an equal IoU later in the order replaces the
 *       earlier one (ties go to the later ground truth);</li>
 *   <li>a detection matched to an ignored ground truth is ignored; an unmatched detection is ignored when the caller
 *       says so (outside the area range; LVIS: category not exhaustively annotated);</li>
 *   <li>the reference stores the matched ground truth's {@code id} and tests it for non-zero, so a match to a ground
 *       truth whose id is 0 counts as no match (a false positive that still uses up that ground truth).</li>
 * </ul>
 * The outcome per detection is a bit set: bit t = true positive at threshold t, bit 16 + t = false positive.
 */
public final class GreedyMatcher {
    /** Bit offset of the false-positive flags. */
    public static final int FP_SHIFT = 16;

    private GreedyMatcher() {
    }

    /**
     * @param ious          D × G row-major, detections in score order, ground truth in the caller's original order
     * @param order         ground-truth visiting order (indices into the original order): non-ignored first, stable
     * @param gtIgnored     per original ground truth: ignored (crowd, out of area range, LVIS ignore flag)
     * @param gtCrowd       per original ground truth: crowd region (may be matched repeatedly); null for none
     * @param gtIdNonZero   per original ground truth: its id is not 0
     * @param ignoreIfUnmatched per detection: ignore it when it ends up unmatched
     * @param out           per detection outcome bits (length ≥ D), overwritten
     */
    public static void match(double[] ious, int detections, int groundTruths, int[] order, boolean[] gtIgnored,
            boolean[] gtCrowd, boolean[] gtIdNonZero, boolean[] ignoreIfUnmatched, double[] thresholds, int[] out) {
        java.util.Arrays.fill(out, 0, detections, 0);
        boolean[] taken = new boolean[groundTruths];
        for (int t = 0; t < thresholds.length; t++) {
            double threshold = Math.min(thresholds[t], 1 - 1e-10);
            java.util.Arrays.fill(taken, false);
            int tp = 1 << t;
            int fp = 1 << (FP_SHIFT + t);
            for (int d = 0; d < detections; d++) {
                double best = threshold;
                int m = -1;
                int row = d * groundTruths;
                for (int j = 0; j < groundTruths; j++) {
                    int g = order[j];
                    if (taken[j] && !(gtCrowd != null && gtCrowd[g])) {
                        continue;
                    }
                    if (m > -1 && !gtIgnored[order[m]] && gtIgnored[g]) {
                        break;
                    }
                    double v = ious[row + g];
                    if (v < best) {
                        continue;
                    }
                    best = v;
                    m = j;
                }
                boolean matchedNonZero;
                boolean ignored;
                if (m == -1) {
                    matchedNonZero = false;
                    ignored = false;
                } else {
                    int g = order[m];
                    taken[m] = true;
                    ignored = gtIgnored[g];
                    matchedNonZero = gtIdNonZero[g];
                }
                if (!matchedNonZero && ignoreIfUnmatched[d]) {
                    ignored = true;
                }
                if (!ignored) {
                    out[d] |= matchedNonZero ? tp : fp;
                }
            }
        }
    }

    /** Non-ignored first, each group in original order (numpy's stable argsort of the 0/1 ignore flags). */
    public static int[] ignoredLast(boolean[] ignored, int n) {
        int[] order = new int[n];
        int k = 0;
        for (int g = 0; g < n; g++) {
            if (!ignored[g]) {
                order[k++] = g;
            }
        }
        for (int g = 0; g < n; g++) {
            if (ignored[g]) {
                order[k++] = g;
            }
        }
        return order;
    }
}
