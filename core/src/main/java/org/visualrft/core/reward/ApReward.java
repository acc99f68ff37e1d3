package org.visualrft.core.reward;

import java.util.List;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.geometry.Box;
import org.visualrft.core.geometry.Iou;

/**
 * {@code ap}: the average precision of this one answer, COCO style: at each IoU threshold 0.50, 0.55, …, 0.95 the
 * predictions, in confidence order, are matched greedily to the unused ground-truth box of highest IoU (a match needs
 * IoU ≥ the threshold); precision is made monotone and sampled at 101 recall points; the ten APs are averaged. It
 * rewards ranking good boxes above bad ones, which the IoU reward ignores. Invalid predictions rank last and never
 * match. A {@code No Objects} ground truth scores 1 for an answer that says nothing, else 0. In [0, 1].
 */
public final class ApReward extends StrictDetectionReward {
    public static final String NAME = "ap";

    public ApReward(RewardOptions options) {
        super(NAME, options);
    }

    @Override
    double score(StrictDetection.View v) {
        if (v.truthNegative()) {
            return v.saysNothing() ? 1.0 : 0.0;
        }
        if (v.valid().isEmpty()) {
            return 0.0;
        }
        double sum = 0.0;
        for (int t = 0; t < 10; t++) {
            sum += averagePrecision(v.truth(), v.valid(), v.invalid(), 0.5 + 0.05 * t);
        }
        return sum / 10.0;
    }

    static double averagePrecision(List<Box> truth, List<Prediction> preds, int invalid, double threshold) {
        int n = preds.size() + invalid;
        boolean[] used = new boolean[truth.size()];
        double[] precision = new double[n];
        double[] recall = new double[n];
        int tp = 0;
        for (int k = 0; k < n; k++) {
            if (k < preds.size()) {
                Box p = StrictDetection.box(preds.get(k));
                double best = -1;
                int bestJ = -1;
                for (int j = 0; j < truth.size(); j++) {
                    double x = Iou.of(truth.get(j), p);
                    if (!used[j] && x >= threshold - 1e-10 && x > best) {
                        best = x;
                        bestJ = j;
                    }
                }
                if (bestJ >= 0) {
                    used[bestJ] = true;
                    tp++;
                }
            }
            precision[k] = tp / (double) (k + 1);
            recall[k] = tp / (double) truth.size();
        }
        for (int k = n - 2; k >= 0; k--) {
            precision[k] = Math.max(precision[k], precision[k + 1]);
        }
        double ap = 0.0;
        int k = 0;
        for (int r = 0; r <= 100; r++) {
            double level = r / 100.0;
            while (k < n && recall[k] < level) {
                k++;
            }
            ap += k < n ? precision[k] : 0.0;
        }
        return ap / 101.0;
    }
}
