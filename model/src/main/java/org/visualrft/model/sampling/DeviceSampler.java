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
 * <p>The rules are {@link Sampler}'s (Hugging Face's order): temperature, then top-k, then top-p on the top-k
 * survivors sorted by probability, renormalise, draw; greedy (temperature 0 or top-k 1) takes the argmax. The draw is
 * an inverse-CDF lookup of one uniform per row: token j is chosen when {@code u·total} falls in its slice
 * {@code [cdf(j−1), cdf(j))} of the kept weights. The uniforms come from the caller's generator, drawn up front
 * ({@code maxNew × G}, step-major), so a seed gives the same samples on any device up to float rounding.
 *
 * <p>A row finishes after emitting one of the stop tokens (included in its record); later steps of that row are
 * recorded as −1 and their tokens ignored.
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

    public DeviceSampler(SamplingParams params, int g, int vocab, int[] stop, RandomGenerator rng, Device device) {
        this(params, g, vocab, stop, params.isGreedy() ? null
                : uniforms(params, g, new int[] {params.maxNewTokens()}, List.of(rng)), device);
    }

    /**
     * For several prompts' groups of {@code g} rows decoding together ({@code groups.size() · g} rows, group after
     * group): group i's uniforms come from {@code rngs.get(i)} alone, {@code maxNew[i] × g} of them in the order a
     * sampler of that group alone draws them; its rows' later steps (past its own limit) draw nothing.
     */
    public static DeviceSampler forGroups(SamplingParams params, int g, int[] maxNew, int vocab, int[] stop,
                                          List<? extends RandomGenerator> rngs, Device device) {
        return new DeviceSampler(params, g * rngs.size(), vocab, stop, uniforms(params, g, maxNew, rngs), device);
    }

    private DeviceSampler(SamplingParams params, int g, int vocab, int[] stop, float[] u, Device device) {
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
        Tensor logp = logits.gather(-1, picked.unsqueeze(-1)).squeeze(-1).sub(logits.logSumExp(-1, false));
        Tensor kept = picked.maskedFill(finished, -1);
        tokens.indexCopy_(0, step, kept.view(1, g));
        logProbs.indexCopy_(0, step, logp.view(1, g));
        if (stopIds != null) {
            Tensor stops = picked.unsqueeze(1).eq(stopIds.unsqueeze(0)).sum(1, false).gt(0);
            finished.copy_(finished.logicalOr(stops));
        }
        step.addInt_(1);
        return picked;
    }

    private Tensor pick(Tensor logits) {
        if (params.isGreedy()) {
            return logits.argmax(-1, false);
        }
        Tensor u = uniforms.indexSelect(0, step).view(g, 1);
        double invT = 1.0 / params.temperature();
        int k = params.topK() == 0 ? vocab : Math.min(params.topK(), vocab);
        if (k == vocab && params.topP() >= 1.0) {
            // plain categorical over the vocabulary in id order: no sort needed
            Tensor cdf = scaled(logits, invT).softmax(-1).cumsum(-1);
            return draw(cdf, u);
        }
        Tensor.ValuesIndices top = logits.topk(k, -1); // sorted descending
        Tensor w = scaled(top.values(), invT).softmax(-1);
        if (params.topP() < 1.0) {
            // keep the smallest prefix whose share reaches top_p: entry j stays when the share before it is below p
            Tensor before = w.cumsum(-1).sub(w);
            w = w.mul(before.lt(params.topP()).to(DType.F32));
        }
        Tensor j = draw(w.cumsum(-1), u);
        return top.indices().gather(-1, j.unsqueeze(-1)).squeeze(-1);
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
        return finished.logicalNot().sum().itemLong() == 0;
    }

    /** The record so far, copied to the host (waits for the device). */
    public Record record() {
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
