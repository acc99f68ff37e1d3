package org.visualrft.app.demo;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.visualrft.core.world.HeldOutSets;
import org.visualrft.core.world.WorldSample;
import org.visualrft.model.policy.Policy;

/** Greedy evaluation of a policy on some of the held-out sets; returns every metric by key. */
public final class WorldEvaluation {
    private WorldEvaluation() {
    }

    /** Examples in the listed sets (for progress totals). */
    public static int size(HeldOutSets sets, Collection<EvalSet> which) {
        return which.stream().mapToInt(e -> e.of(sets).size()).sum();
    }

    public static Map<String, Double> evaluate(Policy policy, HeldOutSets sets, Collection<EvalSet> which,
            boolean cot, IntConsumer progress) {
        Map<String, Double> out = new LinkedHashMap<>();
        int[] done = {0};
        for (EvalSet e : which) {
            List<WorldSample> set = e.of(sets);
            int before = done[0];
            List<String> answers = Rollouts.greedy(policy, set, cot, n -> progress.accept(before + n));
            done[0] += set.size();
            out.putAll(switch (e.kind()) {
                case CLASSIFICATION -> WorldScores.classification(e.key(), set, answers);
                case DETECTION -> WorldScores.detection(e.key(), set, answers);
                case GROUNDING -> WorldScores.grounding(e.key(), set, answers);
            });
        }
        return out;
    }
}
