package org.visualrft.model.tiny;

import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.NonFiniteLogitsException;
import org.visualrft.model.sampling.Sampler;
import org.visualrft.model.tensor.Tensor;

/**
 * One decoding step's logits, copied to Java in the smallest form the sampler needs: each row's logsumexp, plus
 * either its k largest logits with their ids (libtorch's topk, sorted) or, for plain sampling, the whole row.
 */
record StepLogits(int rows, int width, float[] values, long[] ids, float[] logZ) {

    /** From logits {@code [rows, V]}; {@code k = 0} keeps whole rows. */
    static StepLogits of(Tensor logits, int k) {
        int rows = (int) logits.size(0);
        float[] logZ = logits.logSumExp(-1, false).toFloats();
        if (k == 0) {
            return new StepLogits(rows, (int) logits.size(1), logits.toFloats(), null, logZ);
        }
        Tensor.ValuesIndices top = logits.topk(k, -1);
        return new StepLogits(rows, k, top.values().toFloats(), top.indices().toLongs(), logZ);
    }

    /** Each row {@code g} times, in order: one prompt's row for its group's {@code g} sequences (after the prefill). */
    StepLogits repeat(int g) {
        int n = rows * g;
        float[] v = new float[n * width];
        long[] i = ids == null ? null : new long[n * width];
        float[] z = new float[n];
        for (int r = 0; r < n; r++) {
            int src = r / g;
            System.arraycopy(values, src * width, v, r * width, width);
            if (i != null) {
                System.arraycopy(ids, src * width, i, r * width, width);
            }
            z[r] = logZ[src];
        }
        return new StepLogits(n, width, v, i, z);
    }

    /**
     * Row {@code row}'s pick at decode step {@code step}; {@code seen} its history's distinct ids for a repetition
     * penalty (which needs whole rows).
     */
    Sampler.Pick sample(int row, int step, SamplingParams params, int[] seen, RandomGenerator rng) {
        if (ids == null) {
            return Sampler.sampleRow(values, row * width, width, logZ[row], params, seen, rng, step, row);
        }
        try {
            return Sampler.sampleSorted(values, ids, row * width, width, logZ[row], params, rng);
        } catch (NonFiniteLogitsException e) {
            throw e.at(step, row);
        }
    }
}
