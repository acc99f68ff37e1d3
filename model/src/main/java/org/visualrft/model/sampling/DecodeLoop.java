package org.visualrft.model.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The decode loop every model family shares: one prefill of the prompt (batch 1), the cache repeated g times, then
 * g decodes per step; each sequence stops at any of the stop ids, finished sequences keep feeding their last token
 * (ignored) until all stop. Tokens are picked on the Java side by {@link Sampler} from the caller's generator, so a
 * run repeats exactly. Runs without autograd; each step's temporaries die with its native scope.
 */
public final class DecodeLoop {
    private DecodeLoop() {
    }

    /** What a model family supplies: the prefill and one step, both filling the given cache. */
    public interface Steps {
        /** Runs the prompt and returns the logits of its last position, {@code [vocab]} floats. */
        float[] prefill(KvCache cache);

        /** Runs one new token per sequence ({@code tokens.length} = batch) and returns {@code [batch · vocab]} logits. */
        float[] step(KvCache cache, int[] tokens);
    }

    /** One sampled sequence: its tokens and each token's log-probability under the raw logits. */
    public record Sample(int[] tokens, float[] logProbs, boolean endedWithEos) {
    }

    /**
     * @param layers     decoder layers (the cache's size)
     * @param vocab      logits per position
     * @param prompt     the prompt's ids (image pads included): the start of each row's history, which a repetition
     *                   penalty reads
     * @param stepLogits when not null, receives the raw logits of sequence 0 at every step
     */
    public static List<Sample> run(Steps model, int layers, int vocab, int g, int[] prompt, SamplingParams params,
                                   int[] eos, RandomGenerator rng, List<float[]> stepLogits) {
        int v = vocab;
        try (Tensor.GradMode ng = Tensor.noGrad(); KvCache cache = new KvCache(layers)) {
            float[] all;
            try (NativeScope s = NativeScope.open()) {
                float[] first = model.prefill(cache);
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
            TokenHistory history = TokenHistory.forPrompt(params, prompt, g);
            for (int step = 0; step < params.maxNewTokens(); step++) {
                int[] next = new int[g];
                if (stepLogits != null) {
                    stepLogits.add(Arrays.copyOf(all, v));
                }
                boolean allDone = true;
                for (int i = 0; i < g; i++) {
                    if (done[i]) {
                        next[i] = tokens[i][length[i] - 1];
                        continue;
                    }
                    Sampler.Pick pick = Sampler.sampleRow(all, i * v, v, Double.NaN, params, history.of(i), rng, step, i);
                    history.add(i, pick.token());
                    next[i] = pick.token();
                    tokens[i][length[i]] = pick.token();
                    logps[i][length[i]] = pick.logProb();
                    length[i]++;
                    done[i] = contains(eos, pick.token());
                    allDone &= done[i];
                }
                if (allDone || step == params.maxNewTokens() - 1) {
                    break;
                }
                try (NativeScope s = NativeScope.open()) {
                    all = model.step(cache, next);
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
        for (int e : a) {
            if (e == x) {
                return true;
            }
        }
        return false;
    }
}
