package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.Sampler;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Decoding with the KV cache: the prompt (images already encoded) is prefilled once with its M-RoPE ids, then every
 * new token goes in at id {@code cache position + rope delta} on all three axes, as transformers' generate does.
 * Runs without autograd.
 */
public final class Generation {
    private Generation() {
    }

    /** One sampled sequence: its tokens and each token's log-probability under the raw logits. */
    public record Sample(int[] tokens, float[] logProbs, boolean endedWithEos) {
    }

    /** Greedy decoding of one prompt; {@code stepLogits}, when not null, receives the raw logits of every step. */
    public static int[] greedy(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int maxNew, int eos,
                               List<float[]> stepLogits) {
        List<Sample> s = sample(model, prompt, grids, imageEmbeds, 1, SamplingParams.greedy(maxNew), new int[] {eos}, null,
                stepLogits, true);
        return s.get(0).tokens();
    }

    /**
     * {@code g} completions of one prompt: one prefill (batch 1), the cache repeated g times, then g decodes per step.
     * A sequence stops at any of {@code eos}; finished sequences keep feeding their EOS (ignored) until all stop.
     * {@code adapters} false decodes with the base model (LoRA off).
     */
    public static List<Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                                      SamplingParams params, int[] eos, RandomGenerator rng, List<float[]> stepLogits,
                                      boolean adapters) {
        Qwen2VLConfig c = model.config();
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, c);
        int v = c.vocabSize();
        try (Tensor.GradMode ng = Tensor.noGrad(); KvCache cache = new KvCache(c.numLayers(), new long[] {pos.ropeDelta()})) {
            float[] all;
            try (NativeScope s = NativeScope.open()) { // each step's temporaries die with its scope; the cache owns its own
                Tensor h = model.hidden(model.embed(new int[][] {prompt}, imageEmbeds), new long[][][] {pos.ids()}, cache, adapters, null);
                float[] first = model.logits(h.narrow(1, h.size(1) - 1, 1)).to(DType.F32).toFloats();
                all = new float[g * v];
                for (int i = 0; i < g; i++) {
                    System.arraycopy(first, 0, all, i * v, v);
                }
            }
            if (g > 1) {
                cache.repeat(g);
            }
            int[][] tokens = new int[g][params.maxNewTokens()];
            float[][] logps = new float[g][params.maxNewTokens()];
            int[] length = new int[g];
            boolean[] done = new boolean[g];
            for (int step = 0; step < params.maxNewTokens(); step++) {
                int[] next = new int[g];
                if (stepLogits != null) {
                    stepLogits.add(Arrays.copyOf(all, v));
                }
                for (int i = 0; i < g; i++) {
                    if (done[i]) {
                        next[i] = tokens[i][length[i] - 1];
                        continue;
                    }
                    Sampler.Pick pick = Sampler.sample(all, i * v, v, params, rng);
                    next[i] = pick.token();
                    tokens[i][length[i]] = pick.token();
                    logps[i][length[i]] = pick.logProb();
                    length[i]++;
                    done[i] = contains(eos, pick.token());
                }
                boolean allDone = true;
                for (boolean d : done) {
                    allDone &= d;
                }
                if (allDone || step == params.maxNewTokens() - 1) {
                    break;
                }
                long p = RopeIndex.decodePosition(cache.length(), pos.ropeDelta());
                long[][][] ids = new long[g][3][1];
                int[][] in = new int[g][1];
                for (int i = 0; i < g; i++) {
                    ids[i][0][0] = ids[i][1][0] = ids[i][2][0] = p;
                    in[i][0] = next[i];
                }
                try (NativeScope s = NativeScope.open()) {
                    Tensor h = model.hidden(model.embed(in, null), ids, cache, adapters, null);
                    all = model.logits(h).to(DType.F32).toFloats();
                }
            }
            List<Sample> out = new ArrayList<>();
            for (int i = 0; i < g; i++) {
                out.add(new Sample(Arrays.copyOf(tokens[i], length[i]), Arrays.copyOf(logps[i], length[i]), done[i]));
            }
            return out;
        }
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }
}
