package org.visualrft.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * Picks the next token of G rows where the logits are (the GPU), and keeps the record there too: tokens, their
 * log-probabilities under the raw logits, and which rows have finished. Every call has fixed shapes and reads its
 * random number and step index from device tensors, so a decode step that calls it can be recorded as a CUDA graph.
 *
 * <p>The rules are {@link Sampler}'s (Hugging Face's order): the repetition penalty on the raw logits, temperature,
 * then top-k, then top-p on the top-k survivors sorted by probability, min-p, renormalise, draw; greedy (temperature 0
 * or top-k 1) takes the argmax of the penalised logits. The penalty reads each row's history from a device buffer
 * {@code [rows, vocab]} (bool: which ids the row's prompt and completion hold so far), set from the prompts and updated
 * by every pick, so the step keeps its fixed shapes. The draw is
 * an inverse-CDF lookup of one uniform per row: token j is chosen when {@code u·total} falls in its slice
 * {@code [cdf(j−1), cdf(j))} of the kept weights. The uniforms come from the caller's generator, drawn up front
 * ({@code maxNew × G}, step-major), so a seed gives the same samples on any device up to float rounding.
 *
 * <p>A row finishes after emitting one of the stop tokens (included in its record); later steps of that row are
 * recorded as −1 and their tokens ignored. A going row whose logits hold NaN or infinity is recorded too, and the next
 * host read ({@link #allFinished}, {@link #record}) throws a {@link NonFiniteLogitsException} naming its first step
 * and row.
 */
public final class DeviceSampler {
    private final SamplingParams params;
    private final int g;
    private final int vocab;
    private final Tensor uniforms; // [maxNew, g] float32, or null for greedy
    private final Tensor step; // [1] int64: the record row the next pick writes
    private final Tensor tokens; // [maxNew, g] int64, −1 after a row finished
    private final Tensor logProbs; // [maxNew, g] float32
    private final Tensor finished; // [g] bool
    private final Tensor stopIds; // [e] int64, or null when nothing stops a row
    private final Tensor nonFinite; // [maxNew, g] bool: the row's logits held NaN or infinity at that step
    private final Tensor seen; // [g, vocab] bool: the ids of each row's history; null without repetition penalty
    private final Tensor vocabIds; // [1, vocab] int64, to mark a picked id in seen; null without a penalty

    /** What the device recorded, copied to the host: {@code tokens[step * g + row]}. */
    public record Record(long[] tokens, float[] logProbs, boolean[] finished) {
        /** Each row's tokens up to its first −1 (the steps after it finished), with their log-probs. */
        public List<DecodeLoop.Sample> samples(int maxNew) {
            int g = finished.length;
            List<DecodeLoop.Sample> out = new ArrayList<>(g);
            for (int i = 0; i < g; i++) {
                int n = 0;
                while (n < maxNew && tokens[n * g + i] >= 0) {
                    n++;
                }
                int[] row = new int[n];
                float[] logps = new float[n];
                for (int j = 0; j < n; j++) {
                    row[j] = (int) tokens[j * g + i];
                    logps[j] = logProbs[j * g + i];
                }
                out.add(new DecodeLoop.Sample(row, logps, finished[i]));
            }
            return out;
        }
    }

    /** {@code g} rows of one prompt, whose ids ({@code prompt}, image pads included) start each row's history. */
    public DeviceSampler(SamplingParams params, int g, int vocab, int[] prompt, int[] stop, RandomGenerator rng,
                         Device device) {
        this(params, g, vocab, List.of(prompt), stop, params.isGreedy() ? null
                : uniforms(params, g, new int[] {params.maxNewTokens()}, List.of(rng)), device);
    }

    /**
     * For several prompts' groups of {@code g} rows decoding together ({@code groups.size() · g} rows, group after
     * group): group i's uniforms come from {@code rngs.get(i)} alone, {@code maxNew[i] × g} of them in the order a
     * sampler of that group alone draws them; its rows' later steps (past its own limit) draw nothing. Group i's rows
     * start their histories from {@code prompts.get(i)}.
     */
    public static DeviceSampler forGroups(SamplingParams params, int g, int[] maxNew, int vocab, List<int[]> prompts,
                                          int[] stop, List<? extends RandomGenerator> rngs, Device device) {
        if (prompts.size() != rngs.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + rngs.size() + " generators");
        }
        return new DeviceSampler(params, g * rngs.size(), vocab, prompts, stop, uniforms(params, g, maxNew, rngs),
                device);
    }

    private DeviceSampler(SamplingParams params, int g, int vocab, List<int[]> prompts, int[] stop, float[] u,
                          Device device) {
        this.params = params;
        this.g = g;
        this.vocab = vocab;
        int maxNew = params.maxNewTokens();
        uniforms = u == null ? null : Tensor.fromFloats(u, maxNew, g).on(device);
        step = Tensor.zeros(DType.I64, device, 1);
        tokens = Tensor.full(-1, DType.I64, device, maxNew, g);
        logProbs = Tensor.zeros(DType.F32, device, maxNew, g);
        finished = Tensor.zeros(DType.BOOL, device, g);
        stopIds = stop.length == 0 ? null : Tensor.fromInts(stop).on(device);
        nonFinite = Tensor.zeros(DType.BOOL, device, maxNew, g);
        seen = params.penalisesRepetition() ? history(prompts, g / prompts.size(), vocab, device) : null;
        vocabIds = seen == null ? null : Tensor.arange(0, vocab, DType.I64, device).view(1, vocab);
    }

    /** {@code [groups · groupSize, vocab]} bool: row r holds the ids of prompt {@code r / groupSize}. */
    private static Tensor history(List<int[]> prompts, int groupSize, int vocab, Device device) {
        int groups = prompts.size();
        int[] marks = new int[groups * vocab];
        for (int i = 0; i < groups; i++) {
            for (int id : prompts.get(i)) {
                if (id >= 0 && id < vocab) {
                    marks[i * vocab + id] = 1;
                }
            }
        }
        return Tensor.fromInts(marks, groups, 1, vocab).on(device).ne(0).expand(groups, groupSize, vocab)
                .reshape((long) groups * groupSize, vocab).copy();
    }

    /** {@code [params.maxNewTokens(), groups · g]}, step-major; null for greedy (nothing is drawn). */
    private static float[] uniforms(SamplingParams params, int g, int[] maxNew,
                                    List<? extends RandomGenerator> rngs) {
        if (params.isGreedy()) {
            return null;
        }
        int rows = g * rngs.size();
        float[] u = new float[params.maxNewTokens() * rows];
        for (int i = 0; i < rngs.size(); i++) {
            for (int step = 0; step < maxNew[i]; step++) {
                for (int j = 0; j < g; j++) {
                    u[step * rows + i * g + j] = (float) rngs.get(i).nextDouble();
                }
            }
        }
        return u;
    }

    /**
     * Picks one token per row of {@code logits} ({@code [g, vocab]}, float32), records it (with −1 for rows already
     * finished), updates the finished flags and advances the step. Returns the picked tokens {@code [g]} (int64).
     */
    public Tensor pickAndRecord(Tensor logits) {
        Tensor picked = pick(logits);
        Tensor logZ = logits.logSumExp(-1, false);
        Tensor logp = logits.gather(-1, picked.unsqueeze(-1)).squeeze(-1).sub(logZ);
        Tensor kept = picked.maskedFill(finished, -1);
        tokens.indexCopy_(0, step, kept.view(1, g));
        logProbs.indexCopy_(0, step, logp.view(1, g));
        // logZ − logZ is 0 exactly when logZ is finite (NaN for NaN, +∞ and an all −∞ row)
        nonFinite.indexCopy_(0, step, logZ.sub(logZ).ne(0).logicalAnd(finished.logicalNot()).view(1, g));
        if (seen != null) {
            seen.copy_(seen.logicalOr(vocabIds.eq(picked.unsqueeze(1))));
        }
        if (stopIds != null) {
            Tensor stops = picked.unsqueeze(1).eq(stopIds.unsqueeze(0)).sum(1, false).gt(0);
            finished.copy_(finished.logicalOr(stops));
        }
        step.addInt_(1);
        return picked;
    }

    private Tensor pick(Tensor logits) {
        if (params.isGreedy()) {
            return penalised(logits).argmax(-1, false);
        }
        Tensor u = uniforms.indexSelect(0, step).view(g, 1);
        Filtered f = filtered(logits);
        Tensor j = draw(f.weights().cumsum(-1), u);
        return f.ids() == null ? j : f.ids().gather(-1, j.unsqueeze(-1)).squeeze(-1);
    }

    /**
     * What a draw picks from: weights {@code [g, n]} (not normalised; filtered entries 0) of the candidates
     * {@code ids [g, n]} (int64), or of the whole vocabulary in id order when {@code ids} is null.
     */
    record Filtered(Tensor weights, Tensor ids) {
    }

    /** The candidates and weights of a sampled (not greedy) pick from {@code logits [g, vocab]}. */
    Filtered filtered(Tensor logits) {
        Tensor x = penalised(logits);
        double invT = 1.0 / params.temperature();
        int k = params.topK() == 0 ? vocab : Math.min(params.topK(), vocab);
        if (k == vocab && params.topP() >= 1.0) {
            // plain categorical over the vocabulary in id order: no sort needed
            Tensor p = scaled(x, invT).softmax(-1);
            return new Filtered(minP(p, false), null);
        }
        // Hugging Face's top-k removes only the logits below the k-th largest: ties with it stay (bf16 logits tie
        // often), so the candidates are a mask over the row, not libtorch's k entries
        if (params.topP() >= 1.0) { // top-k alone: the mask over the row in id order, no sort
            Tensor kth = x.topk(k, -1).values().narrow(-1, k - 1, 1);
            return new Filtered(minP(scaled(x.maskedFill(x.lt(kth), Double.NEGATIVE_INFINITY), invT).softmax(-1),
                    false), null);
        }
        Tensor.ValuesIndices top = x.topk(vocab, -1); // the whole row sorted, descending: top-p's order
        Tensor sorted = top.values();
        if (k < vocab) { // the k-th largest is read off the sorted row: one sort, not a top-k as well
            sorted = sorted.maskedFill(sorted.lt(sorted.narrow(-1, k - 1, 1)), Double.NEGATIVE_INFINITY);
        }
        Tensor w = scaled(sorted, invT).softmax(-1);
        // keep the smallest prefix whose share reaches top_p: entry j stays when the share before it is below p
        Tensor before = w.cumsum(-1).sub(w);
        w = w.mul(before.lt(params.topP()).to(DType.F32));
        return new Filtered(minP(w, true), top.indices());
    }

    /**
     * Every row's probabilities over the vocabulary {@code [g][vocab]} under what {@link #pickAndRecord} draws from
     * (greedy: all on the argmax); for checking that distribution. Reads nothing of the record.
     */
    double[][] probabilities(Tensor logits) {
        double[][] p = new double[g][vocab];
        if (params.isGreedy()) {
            long[] best = penalised(logits).argmax(-1, false).toLongs();
            for (int i = 0; i < g; i++) {
                p[i][(int) best[i]] = 1;
            }
            return p;
        }
        Filtered f = filtered(logits);
        float[] w = f.weights().toFloats();
        long[] ids = f.ids() == null ? null : f.ids().toLongs();
        int n = w.length / g;
        for (int i = 0; i < g; i++) {
            double total = 0;
            for (int j = 0; j < n; j++) {
                total += w[i * n + j];
            }
            for (int j = 0; j < n; j++) {
                p[i][ids == null ? j : (int) ids[i * n + j]] = w[i * n + j] / total;
            }
        }
        return p;
    }

    /** Hugging Face's repetition penalty on each row's history ids: positive logits divided, negative multiplied. */
    private Tensor penalised(Tensor logits) {
        if (seen == null) {
            return logits;
        }
        double p = params.repetitionPenalty();
        return Tensor.where(seen, Tensor.where(logits.lt(0), logits.mul(p), logits.div(p)), logits);
    }

    /** Weights {@code w} with those below min-p times the row's largest set to 0 ({@code sorted}: the first). */
    private Tensor minP(Tensor w, boolean sorted) {
        if (params.minP() == 0) {
            return w;
        }
        Tensor top = sorted ? w.narrow(-1, 0, 1) : w.max(-1, true);
        return Tensor.where(w.lt(top.mul(params.minP())).logicalNot(), w, 0.0);
    }

    /** {@code x / temperature}; at temperature 1 no kernel (x·1 is x exactly). */
    private static Tensor scaled(Tensor x, double invT) {
        return invT == 1.0 ? x : x.mul(invT);
    }

    /** The index whose CDF slice holds {@code u · total}: the count of entries whose CDF lies below it. */
    private static Tensor draw(Tensor cdf, Tensor u) {
        long n = cdf.size(-1);
        Tensor target = u.mul(cdf.narrow(-1, n - 1, 1));
        return cdf.lt(target).sum(-1, false).clampMax(n - 1).to(DType.I64); // a float scalar promotes
    }

    /** Whether every row has finished (waits for the device). */
    public boolean allFinished() {
        // one read for both questions: the going rows, plus more than g when a going row's logits were non-finite
        long going = finished.logicalNot().sum().add(nonFinite.sum().gt(0).to(DType.I64).mul(g + 1)).itemLong();
        if (going > g) {
            requireFinite();
        }
        return going == 0;
    }

    /** Throws when a going row's logits held NaN or infinity at a step so far (waits for the device). */
    private void requireFinite() {
        if (nonFinite.sum().itemLong() == 0) {
            return;
        }
        long[] flags = nonFinite.to(DType.I64).toLongs(); // step-major
        for (int i = 0; i < flags.length; i++) {
            if (flags[i] != 0) {
                throw new NonFiniteLogitsException(i / g, i % g);
            }
        }
    }

    /** The record so far, copied to the host (waits for the device). */
    public Record record() {
        requireFinite();
        long[] t = tokens.toLongs();
        float[] lp = logProbs.toFloats();
        long[] f = finished.to(DType.I64).toLongs();
        boolean[] done = new boolean[g];
        for (int i = 0; i < g; i++) {
            done[i] = f[i] != 0;
        }
        return new Record(t, lp, done);
    }
}
