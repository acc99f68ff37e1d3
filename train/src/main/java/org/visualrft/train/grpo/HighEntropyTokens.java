package org.visualrft.train.grpo;

import java.util.Arrays;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;

/**
 * {@code top_entropy_quantile} ρ (Wang et al. 2025, "Beyond the 80/20 Rule"; TRL's {@code get_high_entropy_mask}):
 * of a global micro-batch's loss tokens, only those whose entropy is at or above the (1 − ρ) quantile of all of them
 * keep their policy term. The quantile is taken over every loss token of the micro-batch on every rank, so it is the
 * same on any number of ranks (docs/from-trl.md).
 */
final class HighEntropyTokens {
    private HighEntropyTokens() {
    }

    /**
     * The threshold of {@code quantile} ρ over {@code values}: {@code torch.quantile(values, 1 - ρ)} with linear
     * interpolation, in float32 step by step as PyTorch computes it on float32 entropies (the probability and the rank
     * rounded to float32, the rank truncated, {@code lerp}'s two forms), so the same tokens sit on either side. NaN
     * (nothing is kept, as in TRL) when there are no values or one of them is NaN.
     */
    static float threshold(float[] values, double quantile) {
        if (values.length == 0) {
            return Float.NaN;
        }
        float[] sorted = values.clone();
        for (float v : sorted) {
            if (Float.isNaN(v)) {
                return Float.NaN;
            }
        }
        Arrays.sort(sorted);
        float q = (float) (1.0 - quantile);
        float rank = q * (float) (sorted.length - 1);
        int below = (int) rank;
        int above = (int) Math.ceil(rank);
        float weight = rank - below;
        float start = sorted[below];
        float end = sorted[above];
        float span = end - start;
        return Math.abs(weight) < 0.5f ? start + weight * span : end - span * (1f - weight);
    }

    /** The entries of {@code entropies} where {@code mask} is set, in order: a group's loss tokens. */
    static float[] lossTokens(float[] entropies, float[] mask) {
        float[] out = new float[entropies.length];
        int n = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] > 0) {
                out[n++] = entropies[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * [rows, cols] float64: 1 where {@code mask} is set and the entropy is at or above {@code threshold} (ties kept),
     * else 0; all 0 when the threshold is NaN.
     */
    static Tensor keep(float[] entropies, float[] mask, float threshold, long rows, long cols) {
        double[] k = new double[mask.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = mask[i] > 0 && entropies[i] >= threshold ? 1 : 0;
        }
        return Tensor.fromDoubles(k, rows, cols);
    }

    /**
     * The threshold of the global micro-batch of {@code mine.length} groups starting at group {@code from}, known to
     * every rank: {@code mine[j]} holds the loss tokens' entropies of group {@code from + j} where this rank holds it
     * (else null). Each group has a slot as long as its loss tokens ({@link GroupStats#lossTokens}); a rank fills its
     * groups' slots and one sum over the ranks completes the vector (a slot is zero except at its owner, so the sum is
     * exact). Every rank calls this once per micro-batch, holding groups of it or not.
     */
    static float threshold(float[][] mine, GroupStats stats, int from, double quantile, ProcessGroup group) {
        int total = 0;
        int[] at = new int[mine.length];
        for (int j = 0; j < mine.length; j++) {
            at[j] = total;
            total += (int) stats.lossTokens(from + j);
        }
        double[] slots = new double[total];
        for (int j = 0; j < mine.length; j++) {
            if (mine[j] == null) {
                continue;
            }
            int size = (int) stats.lossTokens(from + j);
            if (mine[j].length != size) {
                throw new IllegalStateException("group " + (from + j) + ": " + mine[j].length + " loss tokens, "
                        + size + " counted when sampled");
            }
            for (int i = 0; i < size; i++) {
                slots[at[j] + i] = mine[j][i];
            }
        }
        double[] all = group.allreduceSum(slots);
        float[] values = new float[all.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) all[i];
        }
        return threshold(values, quantile);
    }
}
