package org.visualrft.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * The device decode loop on the CPU, driven by a scripted model whose favourite next token is the previous one plus
 * one: tokens are fed back as device tensors, rows stop after a stop token, and the loop ends early once every row
 * has stopped (read every 16 steps), not after max_new_tokens.
 */
class DeviceDecodeLoopTest {
    static final int VOCAB = 12;

    /** Logits favouring {@code (token + 1) % VOCAB} by 8 nats for each row. */
    static final class Counting implements DeviceDecodeLoop.Steps {
        final int first;
        int steps;

        Counting(int first) {
            this.first = first;
        }

        @Override
        public Tensor prefill(int g) {
            return logits(new long[] {first - 1});
        }

        @Override
        public Tensor step(Tensor tokens) {
            assertTrue(tokens.isOn(Device.CPU));
            steps++;
            return logits(tokens.toLongs());
        }

        static Tensor logits(long[] previous) {
            float[] l = new float[previous.length * VOCAB];
            for (int i = 0; i < previous.length; i++) {
                l[i * VOCAB + (int) ((previous[i] + 1) % VOCAB)] = 8f;
            }
            return Tensor.fromFloats(l, previous.length, VOCAB);
        }
    }

    @Test
    void greedyRowsStopAfterTheStopTokenAndTheLoopEndsEarly() {
        Counting model = new Counting(5);
        List<DecodeLoop.Sample> out = DeviceDecodeLoop.run(model, 3, VOCAB, new int[0], SamplingParams.greedy(200), new int[] {8},
                null, Device.CPU);
        for (DecodeLoop.Sample s : out) {
            assertArrayEquals(new int[] {5, 6, 7, 8}, s.tokens());
            assertTrue(s.endedWithEos());
            double want = 8 - Math.log(Math.exp(8) + VOCAB - 1); // log-softmax of the favourite
            for (float lp : s.logProbs()) {
                assertEquals(want, lp, 1e-5);
            }
        }
        assertTrue(model.steps <= DeviceDecodeLoop.CHECK_EVERY, "stopped at the first check: " + model.steps + " steps");
    }

    @Test
    void withoutAStopTokenEveryRowRunsToMaxNewTokens() {
        Counting model = new Counting(0);
        List<DecodeLoop.Sample> out = DeviceDecodeLoop.run(model, 2, VOCAB, new int[0], SamplingParams.greedy(20), new int[0], null,
                Device.CPU);
        for (DecodeLoop.Sample s : out) {
            assertEquals(20, s.tokens().length);
            assertFalse(s.endedWithEos());
            assertEquals(7, s.tokens()[19]); // 0, 1, ..., 11, 0, ..., 7
        }
        assertEquals(19, model.steps);
    }

    @Test
    void samplingDrawsFromTheCallersGeneratorAndRepeats() {
        SamplingParams p = new SamplingParams(3.0, 0, 1.0, 10);
        List<DecodeLoop.Sample> a = DeviceDecodeLoop.run(new Counting(1), 4, VOCAB, new int[0], p, new int[0], new SplittableRandom(3),
                Device.CPU);
        List<DecodeLoop.Sample> b = DeviceDecodeLoop.run(new Counting(1), 4, VOCAB, new int[0], p, new int[0], new SplittableRandom(3),
                Device.CPU);
        boolean offFavourite = false;
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
            for (int t = 1; t < a.get(i).tokens().length; t++) {
                offFavourite |= a.get(i).tokens()[t] != (a.get(i).tokens()[t - 1] + 1) % VOCAB;
            }
        }
        // at temperature 3 the favourite holds 57% of the probability: 36 picks leave it at least once
        assertTrue(offFavourite, "temperature 3 samples, it does not take the argmax");
    }
}
