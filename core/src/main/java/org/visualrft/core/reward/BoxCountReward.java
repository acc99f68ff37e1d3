package org.visualrft.core.reward;

/**
 * {@code box_count}: {@code 1 - |#predicted - #ground truth| / max(#predicted, #ground truth)} (1 when both are 0),
 * counting every prediction after duplicate removal, valid or not; an unparsable answer scores 0. A cheap shaping
 * signal against answers that list one box for a crowd or spray boxes. In [0, 1].
 */
public final class BoxCountReward extends StrictDetectionReward {
    public static final String NAME = "box_count";

    public BoxCountReward(RewardOptions options) {
        super(NAME, options);
    }

    @Override
    double score(StrictDetection.View v) {
        int p = v.predictionCount();
        int g = v.truth().size();
        if (p == 0 && g == 0) {
            return 1.0;
        }
        return 1.0 - Math.abs(p - g) / (double) Math.max(p, g);
    }
}
