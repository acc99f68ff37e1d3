package org.visualrft.model.qwen2vl;

import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.Tensor;

/**
 * Decoding with the shared {@link DecodeLoop} and KV cache: the prompt (images already encoded) is prefilled once with
 * its M-RoPE ids, then every new token goes in at id {@code cache position + rope delta} on all three axes, as
 * transformers' generate does. Runs without autograd.
 */
public final class Generation {
    private Generation() {
    }

    /** Greedy decoding of one prompt; {@code stepLogits}, when not null, receives the raw logits of every step. */
    public static int[] greedy(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int maxNew, int eos,
                               List<float[]> stepLogits) {
        List<DecodeLoop.Sample> s = sample(model, prompt, grids, imageEmbeds, 1, SamplingParams.greedy(maxNew), new int[] {eos}, null,
                stepLogits, true);
        return s.get(0).tokens();
    }

    /**
     * {@code g} completions of one prompt: one prefill (batch 1), the cache repeated g times, then g decodes per step.
     * A sequence stops at any of {@code eos}; finished sequences keep feeding their EOS (ignored) until all stop.
     * {@code adapters} false decodes with the base model (LoRA off).
     */
    public static List<DecodeLoop.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                                      SamplingParams params, int[] eos, RandomGenerator rng, List<float[]> stepLogits,
                                      boolean adapters) {
        Qwen2VLConfig c = model.config();
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, c);
        DecodeLoop.Steps steps = new MropeDecodeSteps(prompt, pos,
                (ids, positions, cache, withImages) -> model.hidden(model.embed(ids, withImages ? imageEmbeds : null),
                        positions, cache, adapters, null),
                model::logits);
        return DecodeLoop.run(steps, c.numLayers(), c.vocabSize(), g, prompt, params, eos, rng, stepLogits);
    }

}
