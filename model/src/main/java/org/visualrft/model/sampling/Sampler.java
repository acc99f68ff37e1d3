package org.visualrft.model.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;

/**
 * Picks the next token from one row of logits, on the Java side (the logits of a G-sample step are copied out once;
 * a vocabulary of ~1–150 k floats is cheap to scan, and the draw then uses the caller's seeded Java generator, so a
 * run repeats exactly whatever libtorch build computes the logits).
 *
 * <p>Order of operations, as Hugging Face's {@code generate}: the repetition penalty on the raw logits (every id of
 * the row's history, the prompt and the completion so far: a positive logit divided by the penalty, a negative one
 * multiplied), then temperature, top-k, top-p (on the top-k survivors, sorted by probability), min-p (drop what is
 * below {@code min_p} times the most likely survivor), renormalise, draw. Greedy (temperature 0 or top-k 1) takes the
 * argmax of the penalised logits, lowest id on ties. The reported log-probability is always under the <em>raw</em>
 * model distribution (log-softmax of the unscaled, unpenalised logits), which is what the policy's {@code logProbs}
 * recomputes with gradients. A row with NaN or +infinity (or only −infinity) is a {@link NonFiniteLogitsException}.
 */
public final class Sampler {
    private Sampler() {
    }

    /** A drawn token and its log-probability under the raw logits. */
    public record Pick(int token, float logProb) {
    }

    /** Samples from {@code logits[offset, offset + vocab)}. */
    public static Pick sample(float[] logits, int offset, int vocab, SamplingParams params, RandomGenerator rng) {
        return sample(logits, offset, vocab, Double.NaN, params, null, rng);
    }

    /**
     * As {@link #sample(float[], int, int, SamplingParams, RandomGenerator)} with the row's log-partition
     * {@code logZ = logsumexp(row)} already known (libtorch computes it for a whole batch in one vectorised op, which
     * saves an exp per vocabulary entry here); NaN = compute it.
     */
    public static Pick sample(float[] logits, int offset, int vocab, double logZ, SamplingParams params,
            RandomGenerator rng) {
        return sample(logits, offset, vocab, logZ, params, null, rng);
    }

    /**
     * As {@link #sample(float[], int, int, double, SamplingParams, RandomGenerator)}, with {@code seen} the distinct
     * token ids of the row's history ({@link TokenHistory#of}) for the repetition penalty (not read without a
     * penalty; with one, null is an IllegalArgumentException rather than a penalty silently left out).
     */
    public static Pick sample(float[] logits, int offset, int vocab, double logZ, SamplingParams params, int[] seen,
            RandomGenerator rng) {
        if (params.penalisesRepetition() && seen == null) {
            throw new IllegalArgumentException("a repetition penalty needs the row's token history");
        }
        if (Double.isNaN(logZ)) {
            logZ = logSumExp(logits, offset, vocab);
        }
        requireFinite(logZ);
        // the penalty is applied in place (a copy of a 150 k row per pick costs more than the pick) and undone
        float[] raw = params.penalisesRepetition() ? penalise(logits, offset, vocab, params.repetitionPenalty(), seen)
                : null;
        int token;
        try {
            token = params.isGreedy() ? argmax(logits, offset, vocab)
                    : Candidates.of(logits, offset, vocab, params).draw(rng);
        } finally {
            if (raw != null) {
                restore(logits, offset, vocab, seen, raw);
            }
        }
        return new Pick(token, (float) (logits[offset + token] - logZ));
    }

    /**
     * {@link #sample(float[], int, int, double, SamplingParams, int[], RandomGenerator)} for row {@code row} at decode
     * step {@code step}, which a {@link NonFiniteLogitsException} names.
     */
    public static Pick sampleRow(float[] logits, int offset, int vocab, double logZ, SamplingParams params,
            int[] seen, RandomGenerator rng, int step, int row) {
        try {
            return sample(logits, offset, vocab, logZ, params, seen, rng);
        } catch (NonFiniteLogitsException e) {
            throw e.at(step, row);
        }
    }

    /**
     * Samples among candidates already reduced by libtorch: {@code values[offset, offset+k)} are the k largest logits
     * of a row, sorted descending, {@code ids} their token ids, {@code logZ} the row's logsumexp. Used for greedy
     * (k = 1: one value per row crosses into Java) and for top-p without top-k (the whole row, sorted). Same rules as
     * the full-row method: top-p keeps the smallest prefix reaching p, min-p cuts that prefix. Top-k needs the
     * full-row method (libtorch's k values can cut tokens tied with the k-th, which Hugging Face keeps), and so does
     * a repetition penalty, which can reorder the row.
     */
    public static Pick sampleSorted(float[] values, long[] ids, int offset, int k, double logZ,
            SamplingParams params, RandomGenerator rng) {
        if (params.penalisesRepetition()) {
            throw new IllegalArgumentException("a repetition penalty reorders the logits: sample the full row");
        }
        requireFinite(logZ);
        int j = params.isGreedy() ? 0 : Candidates.sorted(values, offset, k, params).draw(rng);
        return new Pick((int) ids[offset + j], (float) (values[offset + j] - logZ));
    }

    /**
     * The probability of every token id under the distribution a draw of {@link #sample} picks from (after penalty,
     * temperature, top-k, top-p and min-p; greedy: all mass on the argmax); for checking that distribution.
     */
    static double[] probabilities(float[] logits, int offset, int vocab, SamplingParams params, int[] seen) {
        requireFinite(logSumExp(logits, offset, vocab));
        float[] row = Arrays.copyOfRange(logits, offset, offset + vocab);
        if (params.penalisesRepetition() && seen != null) {
            penalise(row, 0, vocab, params.repetitionPenalty(), seen);
        }
        double[] p = new double[vocab];
        if (params.isGreedy()) {
            p[argmax(row, 0, vocab)] = 1;
            return p;
        }
        Candidates c = Candidates.of(row, 0, vocab, params);
        double kept = c.keptWeight();
        for (int j = 0; j < c.keep; j++) {
            p[c.ids == null ? j : c.ids[j]] = c.w[j] / kept;
        }
        return p;
    }

    /**
     * Applies Hugging Face's repetition penalty in place to each id of {@code seen} in {@code row[offset, +vocab)}: a
     * positive logit divided by the penalty, a negative one multiplied (an id listed twice is penalised once). Returns
     * the raw values, for {@link #restore}.
     */
    static float[] penalise(float[] row, int offset, int vocab, double penalty, int[] seen) {
        float[] raw = new float[seen.length];
        for (int j = 0; j < seen.length; j++) {
            raw[j] = seen[j] >= 0 && seen[j] < vocab ? row[offset + seen[j]] : 0f;
        }
        float p = (float) penalty;
        for (int j = 0; j < seen.length; j++) {
            if (seen[j] >= 0 && seen[j] < vocab) {
                row[offset + seen[j]] = raw[j] < 0 ? raw[j] * p : raw[j] / p;
            }
        }
        return raw;
    }

    /** Puts back the raw values {@link #penalise} returned (all saved before any change: a repeated id included). */
    private static void restore(float[] row, int offset, int vocab, int[] seen, float[] raw) {
        for (int j = seen.length - 1; j >= 0; j--) {
            if (seen[j] >= 0 && seen[j] < vocab) {
                row[offset + seen[j]] = raw[j];
            }
        }
    }

    private static void requireFinite(double logZ) {
        if (!Double.isFinite(logZ)) {
            throw new NonFiniteLogitsException();
        }
    }

    /** {@code log Σ exp(row)}; NaN when the row holds NaN or +∞, −∞ when it is all −∞. */
    private static double logSumExp(float[] logits, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]); // Math.max propagates NaN
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            return max;
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** The index of the largest entry, lowest on ties. */
    private static int argmax(float[] row, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int i = 0; i < vocab; i++) {
            float v = row[offset + i];
            if (v > max) {
                max = v;
                argmax = i;
            }
        }
        return argmax;
    }

    /**
     * What a draw picks from: unnormalised weights {@code w} (temperature applied) of candidates in id order
     * ({@code ids} null: the whole row, filtered entries weigh 0) or sorted by weight, descending ({@code ids} their
     * token ids), of which the first {@code keep} stay (top-p, min-p).
     */
    private record Candidates(int[] ids, double[] w, int keep, double keptWeight) {

        Candidates(int[] ids, double[] w, int keep) {
            this(ids, w, keep, sum(w, keep));
        }

        static Candidates of(float[] row, int offset, int vocab, SamplingParams params) {
            float max = row[offset + argmax(row, offset, vocab)];
            double invT = 1.0 / params.temperature();
            int k = params.topK() == 0 ? vocab : Math.min(params.topK(), vocab);
            if (k == vocab && params.topP() >= 1.0) {
                // plain categorical in id order: no sorting needed; min-p compares with the largest weight, exp(0)
                double[] w = new double[vocab];
                double total = 0; // summed as the weights are made: no second pass over the vocabulary
                double minP = params.minP();
                for (int i = 0; i < vocab; i++) {
                    double x = Math.exp((row[offset + i] - max) * invT);
                    w[i] = x < minP ? 0 : x;
                    total += w[i];
                }
                return new Candidates(null, w, vocab, total);
            }
            int[] top = TopK.withTies(row, offset, vocab, k); // sorted by logit, descending; ties by lower id
            double[] w = new double[top.length];
            for (int j = 0; j < top.length; j++) {
                w[j] = Math.exp((row[offset + top[j]] - max) * invT);
            }
            return new Candidates(top, w, prefix(w, params));
        }

        /** From logits already sorted descending (libtorch's top-k); {@code ids} are positions in that list. */
        static Candidates sorted(float[] values, int offset, int k, SamplingParams params) {
            double invT = 1.0 / params.temperature();
            double[] w = new double[k];
            for (int j = 0; j < k; j++) {
                w[j] = Math.exp((values[offset + j] - values[offset]) * invT);
            }
            int[] positions = new int[k];
            Arrays.setAll(positions, j -> j);
            return new Candidates(positions, w, prefix(w, params));
        }

        /**
         * How many of the descending weights {@code w} stay: the smallest prefix whose share reaches top-p (all of it
         * when top-p ≥ 1), then those of it at least min-p times the first.
         */
        private static int prefix(double[] w, SamplingParams params) {
            int keep = w.length;
            double topP = params.topP();
            if (topP < 1.0) {
                double total = 0;
                for (double x : w) {
                    total += x;
                }
                double cum = 0;
                for (int j = 0; j < w.length; j++) {
                    cum += w[j] / total;
                    if (cum >= topP) {
                        keep = j + 1;
                        break;
                    }
                }
            }
            double floor = params.minP() * w[0];
            while (keep > 1 && w[keep - 1] < floor) {
                keep--;
            }
            return keep;
        }

        private static double sum(double[] w, int keep) {
            double kept = 0;
            for (int j = 0; j < keep; j++) {
                kept += w[j];
            }
            return kept;
        }

        /** Draws a token id with one uniform of {@code rng}: the slice of {@code u · Σw} in the kept weights. */
        int draw(RandomGenerator rng) {
            double u = rng.nextDouble() * keptWeight();
            for (int j = 0; j < keep; j++) {
                u -= w[j];
                if (u < 0) {
                    return ids == null ? j : ids[j];
                }
            }
            return ids == null ? lastPositive(w) : ids[keep - 1];
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
}
