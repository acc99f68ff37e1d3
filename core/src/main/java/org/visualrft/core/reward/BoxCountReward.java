package org.visualrft.core.reward;

/**
 * {@code box_count}: {@code 1 - |#predicted - #ground truth| / max(#predicted, #ground truth)} (1 when both are 0),
 * counting every prediction after duplicate removal, valid or not; an unparsable answer scores 0. A cheap shaping
 * signal against answers that list one box for a crowd or spray boxes. In [0, 1].
 */
public final class BoxCountReward implements RewardFunction {
    public static final String NAME = "box_count";
    private final RewardOptions options;

    public BoxCountReward(RewardOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String completion, RewardSample sample) {
        StrictDetection.View v = StrictDetection.view(completion, sample, options);
        if (v.truthUnusable() || v.answerUnusable()) {
            return 0.0;
        }
        int p = v.predictionCount();
        int g = v.truth().size();
        if (p == 0 && g == 0) {
            return 1.0;
        }
        return 1.0 - Math.abs(p - g) / (double) Math.max(p, g);
    }
}
