package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

class GroupLogProbsTest {
    static final int G = 3;
    static final int T = 5;
    static final int V = 11;

    static float[] randomLogits(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[G * T * V];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }

    static final float[] MASK = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0};
    static final long[] TARGETS = {3, 0, 10, 4, 4, 7, 1, 0, 0, 0, 2, 9, 5, 6, 0};

    @Test
    void entropiesAreTheFullVocabularyEntropyInFloat64TermsAndZeroAtPadding() {
        for (double scale : new double[] {0.1, 3.0, 30.0}) { // near uniform, typical, near one-hot
            float[] x = randomLogits(7, scale);
            try (NativeScope s = NativeScope.open()) {
                GroupLogProbs lp = GroupLogProbs.of(Tensor.fromFloats(x, G, T, V).requiresGrad(true),
                        Tensor.fromLongs(TARGETS, G, T), Tensor.fromFloats(MASK, G, T));
                Tensor h = lp.entropies();
                assertEquals(DType.F32, h.dtype());
                assertFalse(h.requiresGrad(), "entropies carry no autograd");
                float[] got = h.toFloats();
                for (int i = 0; i < G * T; i++) {
                    double want = MASK[i] > 0 ? RowSoftmax.entropy(x, i, V) : 0;
                    assertEquals(want, got[i], 2e-6 * Math.max(1, want), "scale " + scale + " position " + i);
                }
            }
        }
    }

    @Test
    void logProbsAreTokenLogProbsToTheBitAndChunksChangeNothing() {
        float[] x = randomLogits(11, 2.0);
        try (NativeScope s = NativeScope.open()) {
            Tensor logits = Tensor.fromFloats(x, G, T, V);
            Tensor mask = Tensor.fromFloats(MASK, G, T);
            GroupLogProbs lp = GroupLogProbs.of(logits, Tensor.fromLongs(TARGETS, G, T), mask);
            assertArrayEquals(Tensor.tokenLogProbs(logits, Tensor.fromLongs(TARGETS, G, T)).mul(mask).toFloats(),
                    lp.logProbs().toFloats());
            float[] whole = lp.entropies().toFloats();
            for (long chunk : new long[] {1, 2 * V, 4 * V + 3, 100 * V}) { // one row, two, four, all at a time
                assertArrayEquals(whole, lp.entropies(chunk).toFloats(), "chunks of " + chunk + " elements");
            }
        }
    }

    @Test
    void bfloat16LogitsGiveFloat32EntropiesOfTheRoundedLogits() {
        float[] x = randomLogits(13, 4.0);
        try (NativeScope s = NativeScope.open()) {
            Tensor logits = Tensor.fromFloats(x, G, T, V).to(DType.BF16);
            float[] rounded = logits.to(DType.F32).toFloats();
            Tensor h = GroupLogProbs.of(logits, Tensor.fromLongs(TARGETS, G, T), Tensor.fromFloats(MASK, G, T)
                    .to(DType.BF16)).entropies();
            assertEquals(DType.F32, h.dtype());
            float[] got = h.toFloats();
            for (int i = 0; i < G * T; i++) {
                // bfloat16's log-softmax keeps 8 bits; the entropy of its rounded log-probs, in float32
                double want = MASK[i] > 0 ? RowSoftmax.entropy(rounded, i, V) : 0;
                assertEquals(want, got[i], 0.05 * Math.max(1, want), "position " + i);
            }
        }
    }

    @Test
    void logProbsNotReadFromALogSoftmaxHaveNoEntropies() {
        try (NativeScope s = NativeScope.open()) {
            GroupLogProbs lp = new GroupLogProbs(Tensor.zeros(DType.F32, 1, 2), Tensor.ones(DType.F32, 1, 2));
            assertThrows(IllegalStateException.class, lp::entropies);
        }
    }
}
