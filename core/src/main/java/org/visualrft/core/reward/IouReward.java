package org.visualrft.core.reward;

/**
 * Detection IoU reward ({@code iou}): the sum of matched IoUs (greedy, confidence order, IoU &gt; 0.5) divided by
 * {@code max(#ground truth, #predictions)}, capped at 1.
 *
 * <p>{@link RewardMode#VISUAL_RFT}: the original exactly ({@code accuracy_reward_iou}); any Python exception on the
 * way scores 0, a {@code No Objects} ground truth always scores 0, NaN can come out of NaN confidences' ordering
 * only through the original's own arithmetic.
 *
 * <p>{@link RewardMode#STRICT}: predictions must have a proper box and a finite confidence in [0, 1]; an invalid one
 * does not zero the answer but counts as a wrong prediction. A {@code No Objects} (or empty) ground truth scores 1
 * when the answer says nothing ({@code No Objects} or {@code []}) and 0 otherwise. Ground truth is converted to the
 * model's coordinate frame. Always finite in [0, 1].
 */
public final class IouReward extends ModalReward {
    public static final String NAME = "iou";

    public IouReward(RewardMode mode, RewardOptions options) {
        super(NAME, mode, options);
    }

    @Override
    double original(String completion, RewardSample sample) {
        return VisualRftDetection.scores(completion, sample.solution()).iou();
    }

    @Override
    double strict(String completion, RewardSample sample) {
        StrictDetection.View v = StrictDetection.view(completion, sample, options);
        if (v.truthUnusable() || v.answerUnusable()) {
            return 0.0;
        }
        if (v.truthNegative()) {
            return v.saysNothing() ? 1.0 : 0.0;
        }
        int n = v.predictionCount();
        if (n == 0) {
            return 0.0;
        }
        double sum = 0.0;
        for (double x : GreedyMatch.match(v.truth(), v.valid(), 0.5)) {
            sum += x;
        }
        return Math.min(1.0, sum / Math.max(v.truth().size(), n));
    }
}
