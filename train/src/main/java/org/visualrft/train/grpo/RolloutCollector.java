package org.visualrft.train.grpo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import org.visualrft.core.reward.RewardBreakdown;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.tensor.ProcessGroup;
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

    /**
     * What one step's sampling produced.
     *
     * @param groups the step's groups in their global order; with several ranks, null where another rank holds it
     * @param exchangeSeconds time spent in the ranks' exchange of flat-group flags: with several ranks, mostly
     *                        waiting for the rank whose rollouts ran longer
     */
    record Batch(List<ScoredGroup> groups, int promptsSampled, int flatSampled, boolean starved,
            double exchangeSeconds) {
    }

    RolloutCollector(GrpoConfig cfg, List<TrainingExample> data, Rewarder rewarder) {
        this.cfg = cfg;
        this.data = data;
        this.rewarder = rewarder;
        this.sampling = new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), cfg.maxCompletionLength());
    }

    Batch collect(Policy policy, int needed, DataOrder order, RandomGenerator rng) {
        return collect(policy, needed, order, ProcessGroup.single(), i -> rng, g -> { }, null);
    }

    /**
     * Draws {@code needed} groups for the whole step over all ranks of {@code group}: every rank walks the same data
     * order, the i-th prompt of the step is sampled by rank i mod world size with generator {@code rngForPrompt(i)},
     * and after each round the ranks exchange which groups were flat, so every rank knows the same kept list.
     * {@code onKept} sees each of this rank's groups as soon as it is sampled and known to be kept. Each prompt's
     * image is encoded into {@code images} (null: no reuse), where the reference and the policy's forwards find it.
     */
    Batch collect(Policy policy, int needed, DataOrder order, ProcessGroup group,
            IntFunction<RandomGenerator> rngForPrompt, Consumer<ScoredGroup> onKept, VisionCache images) {
        int world = group.worldSize();
        Map<Integer, ScoredGroup> mine = new HashMap<>();
        List<Integer> kept = new ArrayList<>();
        List<Integer> flat = new ArrayList<>();
        int sampled = 0;
        int flatSampled = 0;
        int round = 0;
        long exchangeNanos = 0;
        do {
            int want = needed - kept.size();
            int first = sampled;
            double[] flags = new double[want];
            for (int i = 0; i < want; i++) {
                TrainingExample ex = data.get(order.next());
                int p = sampled++;
                if (p % world != group.rank()) {
                    continue;
                }
                ScoredGroup g = score(ex, policy.generate(ex.prompt(), cfg.numGenerations(), sampling,
                        rngForPrompt.apply(p), images));
                mine.put(p, g);
                flags[i] = g.flat() ? 1 : 0;
                if (!(cfg.dynamicSampling() && g.flat())) {
                    onKept.accept(g);
                }
            }
            long exchange = System.nanoTime();
            flags = group.allreduceSum(flags);
            exchangeNanos += System.nanoTime() - exchange;
            for (int i = 0; i < want; i++) {
                boolean isFlat = flags[i] > 0.5;
                if (isFlat) {
                    flatSampled++;
                }
                (cfg.dynamicSampling() && isFlat ? flat : kept).add(first + i);
            }
            round++;
        } while (cfg.dynamicSampling() && kept.size() < needed && round <= cfg.maxDynamicSamplingRounds());
        boolean starved = kept.size() < needed;
        for (int i = 0; kept.size() < needed; i++) {
            kept.add(flat.get(i));
        }
        List<ScoredGroup> groups = new ArrayList<>(needed);
        for (int p : kept) {
            groups.add(mine.get(p));
        }
        return new Batch(groups, sampled, flatSampled, starved, exchangeNanos / 1e9);
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
