package org.visualrft.app.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.visualrft.core.world.WorldSample;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.NativeScope;

/** Completions of world examples: greedy answers for evaluation, k samples per example for pass@k. */
public final class Rollouts {
    private Rollouts() {
    }

    /** The greedy completion of each example (the paper evaluates with near-greedy decoding). */
    public static List<String> greedy(Policy policy, List<WorldSample> set, boolean cot, IntConsumer progress) {
        List<String> out = new ArrayList<>(set.size());
        SplittableRandom unused = new SplittableRandom(0);
        for (WorldSample s : set) {
            SamplingParams p = SamplingParams.greedy(AnswerBudget.maxNewTokens(s.kind()));
            // a scope per example: the rollout's tensors are freed now, not at a garbage collection the small Java
            // heap rarely runs
            try (NativeScope scope = NativeScope.open()) {
                out.add(policy.generate(WorldPrompts.prompt(s, cot), 1, p, unused).get(0).text());
            }
            progress.accept(out.size());
        }
        return out;
    }

    /** {@code k} samples at Visual-RFT's rollout setting (temperature 1, top-k 50) for each example. */
    public static List<List<String>> sampled(Policy policy, List<WorldSample> set, boolean cot, int k, long seed,
            IntConsumer progress) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<String>> out = new ArrayList<>(set.size());
        for (WorldSample s : set) {
            SamplingParams p = SamplingParams.visualRft(AnswerBudget.maxNewTokens(s.kind()));
            List<String> texts = new ArrayList<>(k);
            try (NativeScope scope = NativeScope.open()) {
                for (Rollout r : policy.generate(WorldPrompts.prompt(s, cot), k, p, rng)) {
                    texts.add(r.text());
                }
            }
            out.add(texts);
            progress.accept(out.size());
        }
        return out;
    }
}
