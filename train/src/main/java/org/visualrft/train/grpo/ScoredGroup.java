package org.visualrft.train.grpo;

import java.util.List;
import java.util.Map;
import org.visualrft.model.policy.Rollout;
import org.visualrft.train.data.TrainingExample;

/**
 * The G rollouts of one prompt with their rewards and advantages.
 *
 * @param rewards weighted total per rollout
 * @param perFunction per rollout, each function's unweighted value by name
 * @param advantages one per rollout; with {@code scale_rewards: batch} {@code r - mean} until the step divides them by
 *     its scale (GrpoTrainer, once every rank's rewards are known)
 */
public record ScoredGroup(TrainingExample example, List<Rollout> rollouts, double[] rewards,
        List<Map<String, Double>> perFunction, double[] advantages) {

    public boolean flat() {
        return GroupAdvantage.isFlat(rewards);
    }

    public int completionTokens() {
        int n = 0;
        for (Rollout r : rollouts) {
            n += r.length();
        }
        return n;
    }
}
