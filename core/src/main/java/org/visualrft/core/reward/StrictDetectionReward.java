package org.visualrft.core.reward;

/**
 * A detection reward that exists only in {@link RewardMode#STRICT} form: it scores a {@link StrictDetection.View}
 * of the answer, and an unusable ground truth or answer scores 0 before it is asked.
 */
abstract class StrictDetectionReward implements RewardFunction {
    private final String name;
    private final RewardOptions options;

    StrictDetectionReward(String name, RewardOptions options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final double score(String completion, RewardSample sample) {
        StrictDetection.View v = StrictDetection.view(completion, sample, options);
        if (v.truthUnusable() || v.answerUnusable()) {
            return 0.0;
        }
        return score(v);
    }

    /** The reward of a view whose ground truth and answer are both usable. */
    abstract double score(StrictDetection.View v);
}
