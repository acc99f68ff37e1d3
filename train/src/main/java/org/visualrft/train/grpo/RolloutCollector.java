package org.visualrft.train.grpo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.visualrft.core.reward.RewardBreakdown;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.data.TrainingExample;

/**
 * Draws prompts, samples G completions of each, scores them and computes the group advantages. With dynamic
 * sampling, groups whose rewards do not vary (zero advantage: no policy gradient) are dropped and refilled from the
 * next prompts, up to {@code max_dynamic_sampling_rounds} extra rounds; if still short, flat groups fill the rest
 * (they then contribute only the KL term) and the step counts as starved.
 */
final class RolloutCollector {
    private final GrpoConfig cfg;
    private final List<TrainingExample> data;
    private final Rewarder rewarder;
    private final SamplingParams sampling;

    /** What one step's sampling produced. */
    record Batch(List<ScoredGroup> groups, int promptsSampled, int flatSampled, boolean starved) {
    }

    RolloutCollector(GrpoConfig cfg, List<TrainingExample> data, Rewarder rewarder) {
        this.cfg = cfg;
        this.data = data;
        this.rewarder = rewarder;
        this.sampling = new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), cfg.maxCompletionLength());
    }

    Batch collect(Policy policy, int needed, DataOrder order, RandomGenerator rng) {
        return collect(policy, needed, order, rng, g -> { });
    }

    /** As above; {@code onKept} sees each group as soon as it is sampled and known to be kept. */
    Batch collect(Policy policy, int needed, DataOrder order, RandomGenerator rng,
            java.util.function.Consumer<ScoredGroup> onKept) {
        List<ScoredGroup> kept = new ArrayList<>();
        List<ScoredGroup> flat = new ArrayList<>();
        int sampled = 0;
        int flatSampled = 0;
        int round = 0;
        do {
            int want = needed - kept.size();
            for (int i = 0; i < want; i++) {
                TrainingExample ex = data.get(order.next());
                ScoredGroup g = score(ex, policy.generate(ex.prompt(), cfg.numGenerations(), sampling, rng));
                sampled++;
                if (g.flat()) {
                    flatSampled++;
                }
                if (cfg.dynamicSampling() && g.flat()) {
                    flat.add(g);
                } else {
                    kept.add(g);
                    onKept.accept(g);
                }
            }
            round++;
        } while (cfg.dynamicSampling() && kept.size() < needed && round <= cfg.maxDynamicSamplingRounds());
        boolean starved = kept.size() < needed;
        for (int i = 0; kept.size() < needed; i++) {
            kept.add(flat.get(i));
        }
        return new Batch(kept, sampled, flatSampled, starved);
    }

    ScoredGroup score(TrainingExample ex, List<Rollout> rollouts) {
        int g = rollouts.size();
        double[] rewards = new double[g];
        List<Map<String, Double>> parts = new ArrayList<>(g);
        for (int i = 0; i < g; i++) {
            RewardBreakdown r = rewarder.score(rollouts.get(i).text(), ex);
            rewards[i] = r.total();
            parts.add(r.values());
        }
        return new ScoredGroup(ex, rollouts, rewards, parts,
                GroupAdvantage.of(rewards, cfg.scaleRewards(), GrpoConfig.STD_EPS));
    }
}
