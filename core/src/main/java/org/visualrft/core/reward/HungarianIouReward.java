package org.visualrft.core.reward;

import org.visualrft.core.geometry.Iou;

/**
 * {@code iou_hungarian}: like the strict {@link IouReward} but with the optimal one-to-one matching (maximum total
 * IoU over pairs with IoU &gt; 0.5) instead of the greedy confidence-ordered one, so a confident but loose box can no
 * longer steal the ground truth a better box would have matched. Confidences do not influence it. In [0, 1].
 */
public final class HungarianIouReward extends StrictDetectionReward {
    public static final String NAME = "iou_hungarian";

    public HungarianIouReward(RewardOptions options) {
        super(NAME, options);
    }

    @Override
    double score(StrictDetection.View v) {
        if (v.truthNegative()) {
            return v.saysNothing() ? 1.0 : 0.0;
        }
        int n = v.predictionCount();
        if (n == 0) {
            return 0.0;
        }
        double[][] w = new double[v.valid().size()][v.truth().size()];
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w[i].length; j++) {
                double x = Iou.of(v.truth().get(j), StrictDetection.box(v.valid().get(i)));
                w[i][j] = x > 0.5 ? x : 0.0;
            }
        }
        return Math.max(0.0, Math.min(1.0, Assignment.maxWeight(w) / Math.max(v.truth().size(), n)));
    }
}
