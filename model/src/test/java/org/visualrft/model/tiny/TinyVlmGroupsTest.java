package org.visualrft.model.tiny;

import static org.visualrft.model.policy.GroupRollouts.assertSameRollouts;
import static org.visualrft.model.policy.GroupRollouts.onePromptAtATime;
import static org.visualrft.model.policy.GroupRollouts.rngs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;

/**
 * Several prompts' groups sampled in one batched decode ({@link TinyVlm#generateGroups}): prompts of different
 * lengths share one cache, so every row must see exactly its own prefix and rotate its tokens for its own positions.
 */
class TinyVlmGroupsTest {
    /** Texts of different token counts: the prefixes are 3 different lengths. */
    static final List<String> TEXTS = List.of("What is the category of this item ?", "Shirt",
            "Detect all objects belonging to the category Sandal Shirt Sandal Shirt");

    static List<Prompt> prompts(TinyVlm m) {
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            out.add(new Prompt(TinyFixtures.prompt(20 + i).image(), TEXTS.get(i)));
        }
        assertEquals(3, out.stream().mapToInt(p -> m.promptPositions(p.text())).distinct().count(),
                "the prompts' prefixes differ in length");
        return out;
    }

    @Test
    void oneGroupIsGenerateToTheBit(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 3, DType.F32)) {
            Prompt p = TinyFixtures.prompt(2);
            for (SamplingParams sp : List.of(new SamplingParams(1.0, 0, 1.0, 12), new SamplingParams(1.0, 5, 1.0, 12),
                    new SamplingParams(0.8, 0, 0.9, 12), SamplingParams.greedy(12))) {
                List<Rollout> alone = m.generate(p, 4, sp, new SplittableRandom(9));
                List<List<Rollout>> grouped = m.generateGroups(List.of(p), 4, sp, List.of(new SplittableRandom(9)));
                assertSameRollouts(List.of(alone), grouped, 0.0);
            }
        }
    }

    @Test
    void promptsOfDifferentLengthsDecodeTogetherAsEachDoesAlone(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 11, DType.F64); NativeScope s = NativeScope.open()) {
            List<Prompt> ps = prompts(m);
            for (int g = 3; g <= 4; g++) {
                SamplingParams sp = new SamplingParams(1.0, 0, 1.0, 14);
                List<List<Rollout>> sampled = m.generateGroups(ps, g, sp, rngs(2, 3));
                // the model's own teacher-forced scoring of the sampled tokens (to the float rounding of the stored
                // log-probs): positions and masks were right
                for (int i = 0; i < ps.size(); i++) {
                    List<int[]> tokens = new ArrayList<>();
                    sampled.get(i).forEach(r -> tokens.add(r.tokens()));
                    double[] scored = m.logProbs(ps.get(i), tokens).logProbs().toDoubles();
                    int tmax = scored.length / g;
                    for (int j = 0; j < g; j++) {
                        float[] lp = sampled.get(i).get(j).logProbs();
                        for (int t = 0; t < lp.length; t++) {
                            assertEquals(scored[j * tmax + t], lp[t], 1e-6, "prompt " + i + " row " + j + " token " + t);
                        }
                    }
                }
                // sampled: the draws of each prompt alone (float64 leaves no near-ties to flip); greedy: its tokens
                assertSameRollouts(onePromptAtATime(m, ps, g, sp, 2), sampled, 1e-9);
                List<List<Rollout>> greedy = m.generateGroups(ps, g, SamplingParams.greedy(14), rngs(1, 3));
                assertSameRollouts(onePromptAtATime(m, ps, g, SamplingParams.greedy(14), 1), greedy, 1e-9);
            }
        }
    }

    @Test
    void theSameSeedsGiveTheSameGroups(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 5, DType.F32)) {
            List<Prompt> ps = prompts(m);
            SamplingParams sp = new SamplingParams(1.0, 50, 0.95, 12);
            List<List<Rollout>> a = m.generateGroups(ps, 4, sp, rngs(7, 3));
            assertSameRollouts(a, m.generateGroups(ps, 4, sp, rngs(7, 3)), 0.0);
            List<List<Rollout>> other = m.generateGroups(ps, 4, sp, rngs(8, 3));
            boolean differs = false;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    differs |= !java.util.Arrays.equals(a.get(i).get(j).tokens(), other.get(i).get(j).tokens());
                }
            }
            assertTrue(differs, "other seeds give other samples");
        }
    }

    /**
     * A budget beyond the model's positions: each prompt stops at its own limit (max_position_embeddings minus its
     * prefix), rows that draw EOS early stop there, and the others decode on past both.
     */
    @Test
    void rowsStopAtEosOrAtTheirOwnPromptsLimit(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 13, DType.F64)) {
            List<Prompt> ps = prompts(m);
            SamplingParams sp = new SamplingParams(1.0, 0, 1.0, 1000);
            List<List<Rollout>> groups = m.generateGroups(ps, 4, sp, rngs(3, 3));
            assertSameRollouts(onePromptAtATime(m, ps, 4, sp, 3), groups, 1e-9);
            int early = 0;
            int atLimit = 0;
            for (int i = 0; i < ps.size(); i++) {
                int limit = m.config().maxPositions() - m.promptPositions(ps.get(i).text());
                for (Rollout r : groups.get(i)) {
                    assertTrue(r.length() <= limit);
                    if (r.endedWithEos()) {
                        assertEquals(m.eosTokenId(), r.tokens()[r.length() - 1]);
                        early += r.length() < limit ? 1 : 0;
                    } else {
                        assertEquals(limit, r.length(), "a row without EOS runs to its prompt's limit");
                        atLimit++;
                    }
                }
            }
            assertTrue(early > 0 && atLimit > 0, "the seeds give both kinds of rows: " + early + ", " + atLimit);
        }
    }

    /** The device loop's version (what a GPU runs), checked on the CPU against one prompt at a time on that loop. */
    @Test
    void theDeviceLoopDecodesGroupsTogetherAsEachAlone(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 11, DType.F64)) {
            Prompt p = TinyFixtures.prompt(2);
            SamplingParams sp = new SamplingParams(1.0, 5, 0.9, 12);
            assertSameSamples(List.of(m.sampleOnDevice(p, 3, sp, new SplittableRandom(9))),
                    m.sampleGroupsOnDevice(List.of(p), 3, sp, List.of(new SplittableRandom(9))), 0.0);
            List<Prompt> ps = prompts(m);
            // a budget beyond the positions: each prompt's rows are cut at its own limit
            for (SamplingParams s : List.of(new SamplingParams(1.0, 0, 1.0, 14), SamplingParams.visualRft(1000),
                    SamplingParams.greedy(1000))) {
                List<RandomGenerator> r = rngs(4, 3);
                List<List<DecodeLoop.Sample>> alone = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    alone.add(m.sampleOnDevice(ps.get(i), 4, s, r.get(i)));
                }
                assertSameSamples(alone, m.sampleGroupsOnDevice(ps, 4, s, rngs(4, 3)), 1e-6);
            }
        }
    }

    static void assertSameSamples(List<List<DecodeLoop.Sample>> a, List<List<DecodeLoop.Sample>> b, double tol) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).size(); j++) {
                String where = "prompt " + i + " row " + j;
                assertArrayEquals(a.get(i).get(j).tokens(), b.get(i).get(j).tokens(), where);
                assertArrayEquals(a.get(i).get(j).logProbs(), b.get(i).get(j).logProbs(), (float) tol, where);
                assertEquals(a.get(i).get(j).endedWithEos(), b.get(i).get(j).endedWithEos(), where);
            }
        }
    }

    @Test
    void oneGeneratorPerPrompt(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 5, DType.F32)) {
            List<Prompt> ps = prompts(m);
            assertThrows(IllegalArgumentException.class,
                    () -> m.generateGroups(ps, 2, SamplingParams.greedy(4), rngs(1, 2)));
        }
    }
}
