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
import org.visualrft.model.policy.Prompt;
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
        this.sampling = new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), cfg.maxCompletionLength(),
                cfg.repetitionPenalty(), cfg.minP() == null ? 0.0 : cfg.minP());
    }

    Batch collect(Policy policy, int needed, DataOrder order, RandomGenerator rng) {
        return collect(policy, needed, order, ProcessGroup.single(), i -> rng, g -> { }, null);
    }

    /**
     * Draws {@code needed} groups for the whole step over all ranks of {@code group}: every rank walks the same data
     * order, and after each round the ranks exchange which groups were flat, so every rank knows the same kept list.
     * A round's prompts are sampled in chunks of {@code rollout_batch_groups} consecutive prompts (one batched decode
     * each; the round's last chunk may be smaller); the j-th chunk of the step goes to rank j mod world size, so the
     * chunks, and with them what is sampled, do not depend on the number of ranks (with chunks of 1: the i-th prompt
     * of the step on rank i mod world size). The i-th prompt of the step draws from {@code rngForPrompt(i)}.
     * {@code onKept} sees each of this rank's groups as soon as its chunk is sampled and it is known to be kept. Each
     * prompt's image is encoded into {@code images} (null: no reuse), where the reference and the policy's forwards
     * find it.
     */
    Batch collect(Policy policy, int needed, DataOrder order, ProcessGroup group,
            IntFunction<RandomGenerator> rngForPrompt, Consumer<ScoredGroup> onKept, VisionCache images) {
        int world = group.worldSize();
        int chunkSize = cfg.rolloutBatchGroups();
        int chunks = 0;
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
            List<TrainingExample> drawn = new ArrayList<>(want);
            for (int i = 0; i < want; i++) {
                drawn.add(data.get(order.next()));
            }
            sampled += want;
            for (int from = 0; from < want; from += chunkSize) {
                if (chunks++ % world != group.rank()) {
                    continue;
                }
                List<TrainingExample> chunk = drawn.subList(from, Math.min(want, from + chunkSize));
                List<List<Rollout>> rollouts = sample(policy, chunk, first + from, rngForPrompt, images);
                for (int k = 0; k < chunk.size(); k++) {
                    ScoredGroup g = score(chunk.get(k), rollouts.get(k));
                    mine.put(first + from + k, g);
                    flags[from + k] = g.flat() ? 1 : 0;
                    if (!(cfg.dynamicSampling() && g.flat())) {
                        onKept.accept(g);
                    }
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

    /** The groups of {@code chunk}, whose first prompt is the step's {@code firstIndex}-th: one batched decode. */
    private List<List<Rollout>> sample(Policy policy, List<TrainingExample> chunk, int firstIndex,
            IntFunction<RandomGenerator> rngForPrompt, VisionCache images) {
        if (chunk.size() == 1) { // one prompt at a time: the call every earlier run made
            TrainingExample ex = chunk.get(0);
            return List.of(policy.generate(ex.prompt(), cfg.numGenerations(), sampling,
                    rngForPrompt.apply(firstIndex), images));
        }
        List<Prompt> prompts = new ArrayList<>(chunk.size());
        List<RandomGenerator> rngs = new ArrayList<>(chunk.size());
        for (int k = 0; k < chunk.size(); k++) {
            prompts.add(chunk.get(k).prompt());
            rngs.add(rngForPrompt.apply(firstIndex + k));
        }
        return policy.generateGroups(prompts, cfg.numGenerations(), sampling, rngs, images);
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
