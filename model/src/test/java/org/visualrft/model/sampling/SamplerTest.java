package org.visualrft.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.visualrft.model.policy.SamplingParams;

class SamplerTest {
    static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f};

    @Test
    void greedyTakesArgmaxLowestIdOnTiesAndReportsRawLogProb() {
        Sampler.Pick p = Sampler.sample(LOGITS, 0, 5, SamplingParams.greedy(1), new SplittableRandom(1));
        assertEquals(1, p.token());
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        assertEquals(3.0 - Math.log(z), p.logProb(), 1e-6);
    }

    @Test
    void topKOneIsGreedyWhateverTheTemperature() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 50; i++) {
            assertEquals(1, Sampler.sample(LOGITS, 0, 5, new SamplingParams(3.0, 1, 1.0, 1), rng).token());
        }
    }

    @Test
    void topKAndTopPRestrictTheSupport() {
        SplittableRandom rng = new SplittableRandom(9);
        int[] counts = new int[5];
        for (int i = 0; i < 4000; i++) {
            counts[Sampler.sample(LOGITS, 0, 5, new SamplingParams(1.0, 3, 1.0, 1), rng).token()]++;
        }
        assertEquals(0, counts[0] + counts[4]);
        assertTrue(counts[2] > 400 && counts[1] > 1200 && counts[3] > 1200, java.util.Arrays.toString(counts));
        // top-p 0.5: the two tokens at logit 3 hold 0.42 each, so the kept set is {1, 3}
        int[] p = new int[5];
        for (int i = 0; i < 2000; i++) {
            p[Sampler.sample(LOGITS, 0, 5, new SamplingParams(1.0, 0, 0.5, 1), rng).token()]++;
        }
        assertEquals(2000, p[1] + p[3]);
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 20000;
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += Sampler.sample(LOGITS, 0, 5, new SamplingParams(1.0, 0, 1.0, 1), rng).token() == 2 ? 1 : 0;
        }
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        assertEquals(Math.exp(2) / z, hits / (double) n, 0.01);
    }

    @Test
    void sortedCandidatesFollowTheSameRules() {
        // the top-3 of LOGITS as libtorch's topk hands them over: values descending, ids alongside
        float[] values = {3.0f, 3.0f, 2.0f};
        long[] ids = {1, 3, 2};
        double logZ = 0;
        for (float l : LOGITS) {
            logZ += Math.exp(l);
        }
        logZ = Math.log(logZ);
        SplittableRandom rng = new SplittableRandom(11);
        Sampler.Pick g = Sampler.sampleSorted(values, ids, 0, 3, logZ, SamplingParams.greedy(1), rng);
        assertEquals(1, g.token());
        assertEquals(3.0 - logZ, g.logProb(), 1e-6);
        int[] counts = new int[5];
        for (int i = 0; i < 6000; i++) {
            Sampler.Pick p = Sampler.sampleSorted(values, ids, 0, 3, logZ, new SamplingParams(1.0, 3, 1.0, 1), rng);
            counts[p.token()]++;
            assertEquals(LOGITS[p.token()] - logZ, p.logProb(), 1e-6);
        }
        double e2 = Math.exp(2) / (2 * Math.exp(3) + Math.exp(2));
        assertEquals(e2, counts[2] / 6000.0, 0.02);
        assertEquals(0, counts[0] + counts[4]);
        for (int i = 0; i < 1000; i++) {
            int t = Sampler.sampleSorted(values, ids, 0, 3, logZ, new SamplingParams(1.0, 3, 0.5, 1), rng).token();
            assertTrue(t == 1 || t == 3);
        }
    }
}
