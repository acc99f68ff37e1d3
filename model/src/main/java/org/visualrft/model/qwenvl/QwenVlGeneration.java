package org.visualrft.model.qwenvl;

import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Decoding a Qwen2.5-VL / Qwen3-VL prompt with the shared {@link DecodeLoop}: the prompt (images already encoded,
 * DeepStack included) is prefilled once at its M-RoPE ids, then every new token goes in at id
 * {@code cache position + rope delta} on all three axes, as transformers' generate does.
 */
public final class QwenVlGeneration {
    private QwenVlGeneration() {
    }

    /**
     * {@code g} completions of one prompt; a sequence stops at any of {@code eos}. {@code adapters} false decodes with
     * the base model (LoRA off); {@code stepLogits}, when not null, receives the raw logits of sequence 0 at every step.
     */
    public static List<DecodeLoop.Sample> sample(QwenVl model, int[] prompt, List<int[]> grids, QwenVl.Images images, int g,
                                                 SamplingParams params, int[] eos, RandomGenerator rng,
                                                 List<float[]> stepLogits, boolean adapters) {
        RopeIndex.Positions pos = model.positions(prompt, grids);
        DecodeLoop.Steps steps = new DecodeLoop.Steps() {
            @Override
            public float[] prefill(KvCache cache) {
                Tensor h = model.hidden(model.embed(new int[][] {prompt}, images), new long[][][] {pos.ids()}, cache, adapters, null);
                return model.logits(h.narrow(1, h.size(1) - 1, 1)).to(DType.F32).toFloats();
            }

            @Override
            public float[] step(KvCache cache, int[] tokens) {
                long p = RopeIndex.decodePosition(cache.length(), pos.ropeDelta());
                long[][][] ids = new long[tokens.length][3][1];
                int[][] in = new int[tokens.length][1];
                for (int i = 0; i < tokens.length; i++) {
                    ids[i][0][0] = ids[i][1][0] = ids[i][2][0] = p;
                    in[i][0] = tokens[i];
                }
                Tensor h = model.hidden(model.embed(in, null), ids, cache, adapters, null);
                return model.logits(h).to(DType.F32).toFloats();
            }
        };
        return DecodeLoop.run(steps, model.config().text().numLayers(), model.config().text().vocabSize(), g, params, eos,
                rng, stepLogits);
    }
}
