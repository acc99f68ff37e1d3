package org.visualrft.model.qwenvl;

import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.MropeDecodeSteps;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.DeviceDecodeLoop;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.NativeScope;
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
        DecodeLoop.Steps steps = new MropeDecodeSteps(prompt, pos,
                (ids, positions, cache, withImages) -> model.hidden(model.embed(ids, withImages ? images : null),
                        positions, cache, adapters, null),
                model::logits);
        return DecodeLoop.run(steps, model.config().text().numLayers(), model.config().text().vocabSize(), g, prompt, params, eos,
                rng, stepLogits);
    }

    /**
     * As {@link #sample} without step logits, decoded where the weights are ({@link DeviceDecodeLoop}): the prompt is
     * prefilled once and its cache repeated for the {@code g} rows, then each step embeds the tokens the device
     * sampler picked straight from the device and takes its rotary tables from a device table made once (every row's
     * new token has the same M-RoPE id): nothing is copied between host and device per step. What the policy runs on
     * a GPU; the CPU tests run it too.
     */
    public static List<DecodeLoop.Sample> sampleOnDevice(QwenVl model, int[] prompt, List<int[]> grids, QwenVl.Images images,
                                                         int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                         boolean adapters) {
        RopeIndex.Positions pos = model.positions(prompt, grids);
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open();
             KvCache cache = new KvCache(model.config().text().numLayers())) {
            Tensor[] rope = model.decodeRope(RopeIndex.decodePosition(prompt.length, pos.ropeDelta()),
                    Math.max(1, params.maxNewTokens() - 1));
            DeviceDecodeLoop.Steps steps = new DeviceDecodeLoop.Steps() {
                @Override
                public Tensor prefill(int rows) {
                    Tensor h = model.prefill(prompt, pos, images, cache, adapters);
                    Tensor last = model.logits(h.narrow(1, h.size(1) - 1, 1));
                    if (rows > 1) {
                        cache.repeat(rows);
                    }
                    return last;
                }

                @Override
                public Tensor step(Tensor tokens) {
                    long n = cache.length() - prompt.length; // decode steps so far
                    long hd = rope[0].size(3);
                    Tensor[] at = {rope[0].narrow(2, n, 1).expand(g, 1, 1, hd), rope[1].narrow(2, n, 1).expand(g, 1, 1, hd)};
                    Tensor x = Tensor.embedding(model.weights().embedTokens(), tokens.view(g, 1));
                    return model.logits(model.hidden(new QwenVl.Embedded(x, null, null), at, cache, adapters, null));
                }
            };
            return DeviceDecodeLoop.run(steps, g, model.config().text().vocabSize(), prompt, params, eos, rng,
                    model.device());
        }
    }
}
