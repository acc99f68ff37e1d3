package org.visualrft.model.qwen2vl;

import java.util.LinkedHashMap;
import java.util.Map;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Randomly initialised Qwen2-VL weights for any config, drawn as transformers' {@code _init_weights} draws them
 * (normal, std 0.02, for linear, conv and embedding weights; zero biases; norm weights one, LayerNorm biases zero).
 * For memory and speed measurements of the real shapes without downloading a checkpoint.
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** Every tensor name of a checkpoint with this config, and its shape. */
    public static Map<String, long[]> shapes(Qwen2VLConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long kv = (long) c.numKvHeads() * c.headDim();
        s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {h});
            s.put(p + "self_attn.q_proj.weight", new long[] {h, h});
            s.put(p + "self_attn.q_proj.bias", new long[] {h});
            s.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            s.put(p + "self_attn.k_proj.bias", new long[] {kv});
            s.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            s.put(p + "self_attn.v_proj.bias", new long[] {kv});
            s.put(p + "self_attn.o_proj.weight", new long[] {h, h});
            s.put(p + "post_attention_layernorm.weight", new long[] {h});
            s.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), h});
            s.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), h});
            s.put(p + "mlp.down_proj.weight", new long[] {h, c.intermediateSize()});
        }
        s.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            s.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        Qwen2VLConfig.Vision v = c.vision();
        long e = v.embedDim();
        s.put("visual.patch_embed.proj.weight", new long[] {e, v.inChannels(), v.temporalPatchSize(), v.patchSize(), v.patchSize()});
        for (int i = 0; i < v.depth(); i++) {
            String p = "visual.blocks." + i + ".";
            s.put(p + "norm1.weight", new long[] {e});
            s.put(p + "norm1.bias", new long[] {e});
            s.put(p + "norm2.weight", new long[] {e});
            s.put(p + "norm2.bias", new long[] {e});
            s.put(p + "attn.qkv.weight", new long[] {3 * e, e});
            s.put(p + "attn.qkv.bias", new long[] {3 * e});
            s.put(p + "attn.proj.weight", new long[] {e, e});
            s.put(p + "attn.proj.bias", new long[] {e});
            s.put(p + "mlp.fc1.weight", new long[] {v.mlpDim(), e});
            s.put(p + "mlp.fc1.bias", new long[] {v.mlpDim()});
            s.put(p + "mlp.fc2.weight", new long[] {e, v.mlpDim()});
            s.put(p + "mlp.fc2.bias", new long[] {e});
        }
        long m = e * v.spatialMergeSize() * v.spatialMergeSize();
        s.put("visual.merger.ln_q.weight", new long[] {e});
        s.put("visual.merger.ln_q.bias", new long[] {e});
        s.put("visual.merger.mlp.0.weight", new long[] {m, m});
        s.put("visual.merger.mlp.0.bias", new long[] {m});
        s.put("visual.merger.mlp.2.weight", new long[] {v.hiddenSize(), m});
        s.put("visual.merger.mlp.2.bias", new long[] {v.hiddenSize()});
        return s;
    }

    private static Tensor moved(Tensor t, Device device) {
        if (device.isCpu()) {
            return t;
        }
        Tensor on = t.to(device).persist();
        t.close();
        return on;
    }

    /** One tensor as HF initialises it, persisted (owned by the model built from it). */
    static Tensor init(String name, long[] shape, DType dtype, Generator gen) {
        boolean norm = name.contains("norm") || name.contains("ln_q");
        if (name.endsWith(".bias")) {
            return Tensor.zeros(dtype, shape).persist();
        }
        if (norm) {
            return Tensor.ones(dtype, shape).persist();
        }
        try (NativeScope s = NativeScope.open()) { // frees the float32 draw once converted
            return Tensor.randn(gen, DType.F32, shape).mul(0.02).to(dtype).persist();
        }
    }

    /** A model of this config with random weights in {@code dtype} and the default image processor. */
    public static Qwen2VL model(Qwen2VLConfig c, DType dtype, long seed) {
        return model(c, dtype, seed, Device.CPU);
    }

    /** As {@link #model(Qwen2VLConfig, DType, long)} on {@code device}: drawn on the CPU (same values), then moved. */
    public static Qwen2VL model(Qwen2VLConfig c, DType dtype, long seed, Device device) {
        Map<String, long[]> shapes = shapes(c);
        try (Generator gen = Generator.seeded(seed); Tensor.GradMode g = Tensor.noGrad()) {
            Qwen2VLWeights w = Qwen2VLWeights.from(c, n -> shapes.containsKey(n) ? moved(init(n, shapes.get(n), dtype, gen), device) : null,
                    n -> new IllegalStateException("no shape for " + n));
            return new Qwen2VL(c, w, ImageProcessor.defaults());
        }
    }
}
