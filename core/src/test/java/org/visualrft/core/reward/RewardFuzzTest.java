package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 20,000 mutated completions through every reward in both modes: no exception ever escapes, strict values are
 * finite and in range. (bench/rewards/fuzz.sh runs the same loop for 10 million.)
 */
class RewardFuzzTest {
    static final int COUNT = 20_000;

    @Test
    void mutatedCompletionsNeverThrowAndStayInRange() throws Exception {
        List<RewardFixtures.Case> cases = RewardFixtures.load();
        List<String> seeds = new ArrayList<>();
        for (RewardFixtures.Case c : cases) {
            seeds.add(c.completion());
        }
        CompletionMutator mutator = new CompletionMutator(20260101L, seeds);
        List<RewardFunction> strict = new ArrayList<>();
        List<RewardFunction> original = new ArrayList<>();
        for (String name : RewardRegistry.names()) {
            strict.add(RewardRegistry.create(name, RewardMode.STRICT, RewardOptions.DEFAULT));
            original.add(RewardRegistry.create(name, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT));
        }
        long scored = 0;
        for (int i = 0; i < COUNT; i++) {
            String completion = mutator.next();
            RewardSample sample = RewardSample.of(cases.get(i % cases.size()).solution());
            for (RewardFunction f : strict) {
                double v = f.score(completion, sample);
                double max = f.name().equals("giou") ? 2.0 : 1.0;
                assertTrue(v >= 0.0 && v <= max, f.name() + " = " + v + " for " + completion);
                scored++;
            }
            for (RewardFunction f : original) {
                double v = f.score(completion, sample);
                assertTrue(Double.isFinite(v) || (Double.isNaN(v) && completion.contains("NaN")),
                        f.name() + " = " + v + " for " + completion);
                scored++;
            }
        }
        assertEquals((long) COUNT * 2 * RewardRegistry.names().size(), scored);
    }
}
