package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;
import org.visualrft.core.reward.WeightedReward;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.data.TrainingExample;

class DynamicSamplingTest {
    /** Flat (constant) for Shirt examples, varying with the text for Sandal ones. */
    static Rewarder halfFlat(boolean allFlat) {
        RewardFunction f = new RewardFunction() {
            @Override
            public String name() {
                return "half_flat";
            }

            @Override
            public double score(String completion, RewardSample s) {
                return allFlat || s.solution().contains("Shirt") ? 1.0 : completion.length() % 4;
            }
        };
        Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
        sets.put(Task.CLASSIFICATION, new RewardSet(List.of(new WeightedReward(f, 1.0))));
        return new Rewarder(sets);
    }

    static GrpoConfig cfg(boolean dynamic) {
        return GrpoConfig.parse("t", "num_generations: 6\nmax_completion_length: 12\ndynamic_sampling: " + dynamic
                + "\nmax_dynamic_sampling_rounds: 3\n");
    }

    @Test
    void dropsFlatGroupsAndRefills(@TempDir Path dir) {
        List<TrainingExample> data = TinyTask.examples(8, 1);
        try (TinyVlm m = TinyTask.model(dir, 3)) {
            RolloutCollector.Batch b = new RolloutCollector(cfg(true), data, halfFlat(false))
                    .collect(m, 3, new DataOrder(8, 1), new SplittableRandom(2));
            assertEquals(3, b.groups().size());
            for (ScoredGroup g : b.groups()) {
                assertFalse(g.flat(), "only groups whose rewards vary are kept");
            }
            assertTrue(b.flatSampled() > 0 && b.promptsSampled() == 3 + b.flatSampled(), b.toString());
            assertFalse(b.starved());

            RolloutCollector.Batch plain = new RolloutCollector(cfg(false), data, halfFlat(false))
                    .collect(m, 3, new DataOrder(8, 1), new SplittableRandom(2));
            assertEquals(3, plain.promptsSampled(), "without dynamic sampling, flat groups stay");

            RolloutCollector.Batch starved = new RolloutCollector(cfg(true), data, halfFlat(true))
                    .collect(m, 2, new DataOrder(8, 1), new SplittableRandom(2));
            assertTrue(starved.starved());
            assertEquals(2, starved.groups().size());
            assertEquals(2 * 4, starved.promptsSampled(), "the first round and 3 refill rounds");
            for (double a : starved.groups().get(0).advantages()) {
                assertEquals(0.0, a);
            }
        }
    }
}
