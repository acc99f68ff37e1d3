package org.visualrft.model.qwenvl;

import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.MropeDecodeSteps;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.sampling.DecodeLoop;

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
        DecodeLoop.Steps steps = new MropeDecodeSteps(prompt, pos,
                (ids, positions, cache, withImages) -> model.hidden(model.embed(ids, withImages ? images : null),
                        positions, cache, adapters, null),
                model::logits);
        return DecodeLoop.run(steps, model.config().text().numLayers(), model.config().text().vocabSize(), g, params, eos,
                rng, stepLogits);
    }
}
