package org.visualrft.app.demo;

import java.util.List;
import org.visualrft.app.report.PassAtK;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;
import org.visualrft.core.world.WorldSample;
import org.visualrft.core.world.WorldText;
import org.visualrft.model.policy.Policy;

/**
 * The base model's pass@1 and pass@k on a target: whether GRPO can find something to reinforce. "Correct" is the
 * classification rule, detection IoU reward above 0.5 (strict: "No Objects" on a negative counts), or grounding IoU
 * above 0.5. The zero-variance share counts examples whose k training rewards are all equal (no GRPO gradient).
 */
public final class PassAtKMeasure {
    private PassAtKMeasure() {
    }

    public static PassAtK measure(String target, Policy policy, List<WorldSample> set, int k, long seed) {
        List<String> greedy = Rollouts.greedy(policy, set, true, n -> { });
        List<List<String>> sampled = Rollouts.sampled(policy, set, true, k, seed, n -> { });
        double greedyOk = 0;
        double sampledOk = 0;
        double anyOk = 0;
        double flat = 0;
        for (int i = 0; i < set.size(); i++) {
            WorldSample s = set.get(i);
            greedyOk += correct(s, greedy.get(i)) ? 1 : 0;
            boolean any = false;
            double first = Double.NaN;
            boolean allEqual = true;
            RewardSet rewards = RewardRegistry.defaults(task(s), RewardMode.STRICT, RewardOptions.DEFAULT);
            RewardSample rs = new RewardSample(WorldText.solution(s), task(s), null, java.util.Map.of());
            for (String c : sampled.get(i)) {
                boolean ok = correct(s, c);
                sampledOk += ok ? 1.0 / k : 0;
                any |= ok;
                double r = rewards.score(c, rs).total();
                if (Double.isNaN(first)) {
                    first = r;
                } else if (Math.abs(r - first) > 1e-12) {
                    allEqual = false;
                }
            }
            anyOk += any ? 1 : 0;
            flat += allEqual ? 1 : 0;
        }
        int n = Math.max(1, set.size());
        return new PassAtK(target, set.size(), k, greedyOk / n, sampledOk / n, anyOk / n, flat / n);
    }

    static Task task(WorldSample s) {
        return switch (s.kind()) {
            case CLASSIFICATION -> Task.CLASSIFICATION;
            case DETECTION -> Task.DETECTION;
            case GROUNDING -> Task.GROUNDING;
        };
    }

    static boolean correct(WorldSample s, String completion) {
        return switch (s.kind()) {
            case CLASSIFICATION -> WorldScores.classificationCorrect(s, completion);
            case DETECTION -> RewardRegistry.create("iou", RewardMode.STRICT, RewardOptions.DEFAULT)
                    .score(completion, RewardSample.of(WorldText.solution(s))) > 0.5;
            case GROUNDING -> WorldScores.groundingIou(s, completion) > 0.5;
        };
    }
}
