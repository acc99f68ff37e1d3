package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/** What the batched-groups tests of every family share: per-prompt generators, the one-at-a-time peer, the check. */
public final class GroupRollouts {
    private GroupRollouts() {
    }

    /** One generator per prompt, seeded from {@code seed} and the prompt's index. */
    public static List<RandomGenerator> rngs(long seed, int n) {
        List<RandomGenerator> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SplittableRandom(seed * 1000 + i));
        }
        return out;
    }

    /** Per prompt, one {@code generate} call with the generator the batched call gives that prompt. */
    public static List<List<Rollout>> onePromptAtATime(Policy p, List<Prompt> ps, int g, SamplingParams sp, long seed) {
        List<RandomGenerator> r = rngs(seed, ps.size());
        List<List<Rollout>> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            out.add(p.generate(ps.get(i), g, sp, r.get(i)));
        }
        return out;
    }

    /** The same tokens, texts and stops in every row; log-probs within {@code tolerance}. */
    public static void assertSameRollouts(List<List<Rollout>> a, List<List<Rollout>> b, double tolerance) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).size(), b.get(i).size());
            for (int j = 0; j < a.get(i).size(); j++) {
                Rollout x = a.get(i).get(j);
                Rollout y = b.get(i).get(j);
                String where = "prompt " + i + " row " + j;
                assertArrayEquals(x.tokens(), y.tokens(), where);
                assertEquals(x.text(), y.text(), where);
                assertEquals(x.endedWithEos(), y.endedWithEos(), where);
                assertArrayEquals(x.logProbs(), y.logProbs(), (float) tolerance, where);
            }
        }
    }
}
