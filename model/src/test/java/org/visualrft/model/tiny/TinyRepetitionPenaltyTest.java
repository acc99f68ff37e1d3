package org.visualrft.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;

/**
 * The repetition penalty reads each row's whole history, as Hugging Face's {@code input_ids}: the prompt's ids and the
 * row's tokens so far. Greedy decoding with a penalty on the Java path, the device path and the batched groups gives
 * the tokens of a reference built from the full-sequence logits, penalising by hand.
 */
class TinyRepetitionPenaltyTest {
    static final double PENALTY = 3.0;

    @Test
    void greedyWithPenaltyFollowsTheWholeHistory(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 5, DType.F32)) {
            Prompt prompt = TinyFixtures.prompt(4);
            int maxNew = 12;
            SamplingParams params = new SamplingParams(0.0, 0, 1.0, maxNew, PENALTY, 0.0);
            int[] expected = reference(m, prompt, maxNew, PENALTY);
            assertFalse(Arrays.equals(expected, reference(m, prompt, maxNew, 1.0)),
                    "the penalty should change this greedy decode");
            for (Rollout r : m.generate(prompt, 2, params, new SplittableRandom(1))) {
                assertArrayEquals(expected, r.tokens(), "Java path");
            }
            for (DecodeLoop.Sample s : m.sampleOnDevice(prompt, 2, params, new SplittableRandom(1))) {
                assertArrayEquals(expected, s.tokens(), "device path");
            }
            Prompt other = TinyFixtures.prompt(7);
            List<List<Rollout>> groups = m.generateGroups(List.of(prompt, other), 2, params,
                    List.of(new SplittableRandom(1), new SplittableRandom(2)), null);
            assertArrayEquals(expected, groups.get(0).get(1).tokens(), "batched groups");
            assertArrayEquals(reference(m, other, maxNew, PENALTY), groups.get(1).get(0).tokens(), "batched groups");
            List<List<DecodeLoop.Sample>> onDevice = m.sampleGroupsOnDevice(List.of(prompt, other), 2, params,
                    List.of(new SplittableRandom(1), new SplittableRandom(2)));
            assertArrayEquals(expected, onDevice.get(0).get(0).tokens(), "batched groups on the device");
        }
    }

    /** Greedy tokens from the full-sequence logits, each step's seen ids (prompt + tokens so far) penalised. */
    static int[] reference(TinyVlm m, Prompt prompt, int maxNew, double penalty) {
        int vocab = m.config().vocabSize();
        Set<Integer> seen = new LinkedHashSet<>();
        for (int id : m.promptTokens(prompt.text())) {
            seen.add(id);
        }
        int[] out = new int[0];
        while (out.length < maxNew) {
            float[] all = m.fullLogits(prompt, out);
            float[] row = Arrays.copyOfRange(all, all.length - vocab, all.length);
            for (int id : seen) {
                row[id] = row[id] < 0 ? (float) (row[id] * penalty) : (float) (row[id] / penalty);
            }
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                best = row[i] > row[best] ? i : best;
            }
            out = Arrays.copyOf(out, out.length + 1);
            out[out.length - 1] = best;
            seen.add(best);
            if (best == m.config().eosTokenId()) {
                break;
            }
        }
        return out;
    }
}
