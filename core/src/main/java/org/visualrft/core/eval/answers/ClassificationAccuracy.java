package org.visualrft.core.eval.answers;

import java.util.List;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.reward.ClassificationReward;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardSample;

/**
 * Classification accuracy with the rewards' own label rule, so training and evaluation agree:
 * <ul>
 *   <li>{@link RewardMode#VISUAL_RFT}: as {@code Qwen2_VL_classification_infere.py} scores (docs/original-code.md, "Classification accuracy"): a response
 *       without a single-line {@code <answer>…</answer>} is wrong; otherwise the training reward's two-way
 *       normalised substring test decides (an empty answer counts as correct, as in the paper's numbers);</li>
 *   <li>{@link RewardMode#STRICT}: the strict reward (the label, or a synonym, exactly; no answer block is wrong).</li>
 * </ul>
 */
public final class ClassificationAccuracy {
    /**
     * @param untagged responses without a single-line answer block: wrong in VISUAL_RFT mode; in STRICT mode the
     *                 reward still reads a block that spans lines
     */
    public record Result(int correct, int total, int untagged) {
        /** correct / total; NaN for no samples. */
        public double accuracy() {
            return (double) correct / total;
        }
    }

    private ClassificationAccuracy() {
    }

    /** {@code responses.get(i)} answers the sample whose solution is {@code solutions.get(i)}. */
    public static Result evaluate(List<String> responses, List<String> solutions, RewardMode mode) {
        if (responses.size() != solutions.size()) {
            throw new IllegalArgumentException(responses.size() + " responses for " + solutions.size() + " samples");
        }
        ClassificationReward reward = new ClassificationReward(mode, RewardOptions.DEFAULT);
        int correct = 0;
        int untagged = 0;
        for (int i = 0; i < responses.size(); i++) {
            String response = responses.get(i);
            boolean tagged = AnswerExtractor.classification(response).tagged();
            if (!tagged) {
                untagged++;
                if (mode == RewardMode.VISUAL_RFT) {
                    continue; // the evaluation script counts a response without a match as wrong
                }
            }
            if (reward.score(response, RewardSample.of(solutions.get(i))) == 1.0) {
                correct++;
            }
        }
        return new Result(correct, responses.size(), untagged);
    }
}
