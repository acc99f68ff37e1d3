package org.visualrft.model.sampling;

import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;

/**
 * Picks the next token from one row of logits, on the Java side (the logits of a G-sample step are copied out once;
 * a vocabulary of ~1–150 k floats is cheap to scan, and the draw then uses the caller's seeded Java generator, so a
 * run repeats exactly whatever libtorch build computes the logits).
 *
 * <p>Order of operations, as Hugging Face's samplers: temperature, then top-k, then top-p (on the top-k survivors,
 * sorted by probability), renormalise, draw. Greedy (temperature 0 or top-k 1) takes the argmax, lowest id on ties.
 * The reported log-probability is always under the <em>raw</em> model distribution (log-softmax of the unscaled
 * logits), which is what the policy's {@code logProbs} recomputes with gradients.
 */
public final class Sampler {
    private Sampler() {
    }

    /** A drawn token and its log-probability under the raw logits. */
    public record Pick(int token, float logProb) {
    }

    /** Samples from {@code logits[offset, offset + vocab)}. */
    public static Pick sample(float[] logits, int offset, int vocab, SamplingParams params, RandomGenerator rng) {
        return sample(logits, offset, vocab, Double.NaN, params, rng);
    }

    /**
     * As {@link #sample(float[], int, int, SamplingParams, RandomGenerator)} with the row's log-partition
     * {@code logZ = logsumexp(row)} already known (libtorch computes it for a whole batch in one vectorised op, which
     * saves an exp per vocabulary entry here); NaN = compute it.
     */
    public static Pick sample(float[] logits, int offset, int vocab, double logZ, SamplingParams params,
            RandomGenerator rng) {
        float max = Float.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > max) {
                max = v;
                argmax = i;
            }
        }
        if (Double.isNaN(logZ)) {
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp(logits[offset + i] - max);
            }
            logZ = max + Math.log(sum);
        }
        int token = params.isGreedy() ? argmax : draw(logits, offset, vocab, max, params, rng);
        return new Pick(token, (float) (logits[offset + token] - logZ));
    }

    /**
     * Samples among candidates already reduced by libtorch: {@code values[offset, offset+k)} are the k largest logits
     * of a row, sorted descending, {@code ids} their token ids, {@code logZ} the row's logsumexp. Used for top-k,
     * top-p and greedy (k = 1), so only k values per row cross into Java. Same rules as the full-row method: the
     * candidates are the top-k set, top-p then keeps the smallest prefix reaching p.
     */
    public static Pick sampleSorted(float[] values, long[] ids, int offset, int k, double logZ,
            SamplingParams params, RandomGenerator rng) {
        int j = params.isGreedy() ? 0 : drawSorted(values, offset, k, params, rng);
        return new Pick((int) ids[offset + j], (float) (values[offset + j] - logZ));
    }

    private static int drawSorted(float[] values, int offset, int k, SamplingParams params, RandomGenerator rng) {
        double invT = 1.0 / params.temperature();
        double[] w = new double[k];
        double total = 0;
        for (int j = 0; j < k; j++) {
            w[j] = Math.exp((values[offset + j] - values[offset]) * invT);
            total += w[j];
        }
        return drawNucleus(w, total, params.topP(), rng);
    }

    private static int draw(float[] logits, int offset, int vocab, float max, SamplingParams params,
            RandomGenerator rng) {
        double invT = 1.0 / params.temperature();
        int k = params.topK() == 0 ? vocab : Math.min(params.topK(), vocab);
        if (k == vocab && params.topP() >= 1.0) {
            // plain categorical: no sorting needed
            double total = 0;
            double[] w = new double[vocab];
            for (int i = 0; i < vocab; i++) {
                w[i] = Math.exp((logits[offset + i] - max) * invT);
                total += w[i];
            }
            double u = rng.nextDouble() * total;
            for (int i = 0; i < vocab; i++) {
                u -= w[i];
                if (u < 0) {
                    return i;
                }
            }
            return lastPositive(w);
        }
        int[] top = TopK.indices(logits, offset, vocab, k); // sorted by logit, descending; ties by lower id
        double[] w = new double[top.length];
        double total = 0;
        for (int j = 0; j < top.length; j++) {
            w[j] = Math.exp((logits[offset + top[j]] - max) * invT);
            total += w[j];
        }
        return top[drawNucleus(w, total, params.topP(), rng)];
    }

    /**
     * Draws an index of {@code w} (unnormalised weights summing to {@code total}, in descending order) from the
     * smallest prefix whose share reaches {@code topP} (all of it when topP ≥ 1). Both samplers above end here, so
     * they consume the generator identically.
     */
    private static int drawNucleus(double[] w, double total, double topP, RandomGenerator rng) {
        int keep = w.length;
        if (topP < 1.0) {
            double cum = 0;
            for (int j = 0; j < w.length; j++) {
                cum += w[j] / total;
                if (cum >= topP) {
                    keep = j + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int j = 0; j < keep; j++) {
            kept += w[j];
        }
        double u = rng.nextDouble() * kept;
        for (int j = 0; j < keep; j++) {
            u -= w[j];
            if (u < 0) {
                return j;
            }
        }
        return keep - 1;
    }

    private static int lastPositive(double[] w) {
        for (int i = w.length - 1; i >= 0; i--) {
            if (w[i] > 0) {
                return i;
            }
        }
        return 0;
    }
}
