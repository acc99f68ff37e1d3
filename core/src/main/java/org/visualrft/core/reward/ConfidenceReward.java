package org.visualrft.core.reward;

/**
 * Detection confidence reward ({@code confidence}): the mean over predictions of the confidence when the prediction
 * matched a ground-truth box (IoU &gt; 0.5) and of 1 − confidence when it did not, clamped to [0, 1].
 *
 * <p>{@link RewardMode#VISUAL_RFT}: the original exactly ({@code accuracy_reward_confidence}).
 *
 * <p>{@link RewardMode#STRICT}: an invalid prediction (bad box, confidence not finite in [0, 1], malformed element)
 * contributes 0; a {@code No Objects} ground truth scores 1 for an answer that says nothing, else the mean of
 * 1 − confidence (every prediction is a false positive). Never NaN.
 */
public final class ConfidenceReward extends ModalReward {
    public static final String NAME = "confidence";

    public ConfidenceReward(RewardMode mode, RewardOptions options) {
        super(NAME, mode, options);
    }

    @Override
    double original(String completion, RewardSample sample) {
        return VisualRftDetection.scores(completion, sample.solution()).confidence();
    }

    @Override
    double strict(String completion, RewardSample sample) {
        StrictDetection.View v = StrictDetection.view(completion, sample, options);
        if (v.truthUnusable() || v.answerUnusable()) {
            return 0.0;
        }
        if (v.truthNegative() && v.saysNothing()) {
            return 1.0;
        }
        int n = v.predictionCount();
        if (n == 0) {
            return 0.0;
        }
        double[] ious = GreedyMatch.match(v.truth(), v.valid(), 0.5);
        double sum = 0.0;
        for (int k = 0; k < ious.length; k++) {
            double c = v.valid().get(k).confidence();
            sum += ious[k] != 0.0 ? c : 1.0 - c;
        }
        return Math.max(0.0, Math.min(1.0, sum / n));
    }
}
