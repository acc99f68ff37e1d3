package org.visualrft.model.tiny;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.Tensor;

/**
 * The built-in VLM's weights, by part. Names (the safetensors keys) follow the Hugging Face conventions of ViT and
 * Qwen2; {@code qkv_proj} and {@code gate_up_proj} are stored fused (one matrix product instead of three or two per
 * layer, which matters at this width where per-op overhead dominates). The output head is tied to
 * {@code model.embed_tokens.weight}.
 */
public record TinyWeights(
        Linear patchEmbed, Tensor posEmbed, List<VisionBlock> visionBlocks, Norm visionNorm,
        Linear projector1, Linear projector2,
        Tensor embedTokens, List<DecoderLayer> layers, Tensor finalNorm) {

    /** {@code y = x Wᵀ + b}; bias may be null. */
    public record Linear(Tensor weight, Tensor bias) {
        Tensor apply(Tensor x) {
            return Tensor.linear(x, weight, bias);
        }
    }

    /** LayerNorm weight and bias. */
    public record Norm(Tensor weight, Tensor bias) {
    }

    /** A bidirectional pre-LN transformer block of the vision encoder. */
    public record VisionBlock(Norm norm1, Linear qkv, Linear proj, Norm norm2, Linear fc1, Linear fc2) {
    }

    /** A Qwen2 decoder layer: RMSNorm, GQA self-attention with RoPE (q/k/v biases), RMSNorm, SwiGLU. */
    public record DecoderLayer(Tensor inputNorm, Linear qkv, Tensor oProj, Tensor postNorm, Tensor gateUp,
            Tensor down) {
    }

    /** Weights in a stable order with their safetensors names. */
    public Map<String, Tensor> named() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("vision.patch_embed.weight", patchEmbed.weight());
        m.put("vision.patch_embed.bias", patchEmbed.bias());
        m.put("vision.pos_embed", posEmbed);
        for (int i = 0; i < visionBlocks.size(); i++) {
            VisionBlock b = visionBlocks.get(i);
            String p = "vision.blocks." + i + ".";
            m.put(p + "norm1.weight", b.norm1().weight());
            m.put(p + "norm1.bias", b.norm1().bias());
            m.put(p + "attn.qkv.weight", b.qkv().weight());
            m.put(p + "attn.qkv.bias", b.qkv().bias());
            m.put(p + "attn.proj.weight", b.proj().weight());
            m.put(p + "attn.proj.bias", b.proj().bias());
            m.put(p + "norm2.weight", b.norm2().weight());
            m.put(p + "norm2.bias", b.norm2().bias());
            m.put(p + "mlp.fc1.weight", b.fc1().weight());
            m.put(p + "mlp.fc1.bias", b.fc1().bias());
            m.put(p + "mlp.fc2.weight", b.fc2().weight());
            m.put(p + "mlp.fc2.bias", b.fc2().bias());
        }
        m.put("vision.norm.weight", visionNorm.weight());
        m.put("vision.norm.bias", visionNorm.bias());
        m.put("projector.fc1.weight", projector1.weight());
        m.put("projector.fc1.bias", projector1.bias());
        m.put("projector.fc2.weight", projector2.weight());
        m.put("projector.fc2.bias", projector2.bias());
        m.put("model.embed_tokens.weight", embedTokens);
        for (int i = 0; i < layers.size(); i++) {
            DecoderLayer l = layers.get(i);
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", l.inputNorm());
            m.put(p + "self_attn.qkv_proj.weight", l.qkv().weight());
            m.put(p + "self_attn.qkv_proj.bias", l.qkv().bias());
            m.put(p + "self_attn.o_proj.weight", l.oProj());
            m.put(p + "post_attention_layernorm.weight", l.postNorm());
            m.put(p + "mlp.gate_up_proj.weight", l.gateUp());
            m.put(p + "mlp.down_proj.weight", l.down());
        }
        m.put("model.norm.weight", finalNorm);
        return m;
    }

    /** The shape every weight must have under {@code c}, by name (same order as {@link #named()}). */
    static Map<String, long[]> shapes(TinyConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        build(c, (name, shape) -> {
            m.put(name, shape);
            return null;
        });
        return m;
    }

    /**
     * Builds the weights by asking {@code source} for each (name, shape) in order: random initialisation, loading
     * from a file, or copying all go through here, so there is one list of names and shapes.
     */
    static TinyWeights build(TinyConfig c, BiFunction<String, long[], Tensor> source) {
        long vh = c.visionHidden();
        long h = c.hidden();
        long hd = c.headDim();
        long qkvOut = (c.heads() + 2L * c.numKeyValueHeads()) * hd;
        Linear patch = new Linear(source.apply("vision.patch_embed.weight", new long[] {vh, c.patchDim()}),
                source.apply("vision.patch_embed.bias", new long[] {vh}));
        Tensor pos = source.apply("vision.pos_embed", new long[] {c.imageTokens(), vh});
        List<VisionBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.visionLayers(); i++) {
            String p = "vision.blocks." + i + ".";
            blocks.add(new VisionBlock(
                    new Norm(source.apply(p + "norm1.weight", new long[] {vh}),
                            source.apply(p + "norm1.bias", new long[] {vh})),
                    new Linear(source.apply(p + "attn.qkv.weight", new long[] {3 * vh, vh}),
                            source.apply(p + "attn.qkv.bias", new long[] {3 * vh})),
                    new Linear(source.apply(p + "attn.proj.weight", new long[] {vh, vh}),
                            source.apply(p + "attn.proj.bias", new long[] {vh})),
                    new Norm(source.apply(p + "norm2.weight", new long[] {vh}),
                            source.apply(p + "norm2.bias", new long[] {vh})),
                    new Linear(source.apply(p + "mlp.fc1.weight", new long[] {c.visionMlp(), vh}),
                            source.apply(p + "mlp.fc1.bias", new long[] {c.visionMlp()})),
                    new Linear(source.apply(p + "mlp.fc2.weight", new long[] {vh, c.visionMlp()}),
                            source.apply(p + "mlp.fc2.bias", new long[] {vh}))));
        }
        Norm vnorm = new Norm(source.apply("vision.norm.weight", new long[] {vh}),
                source.apply("vision.norm.bias", new long[] {vh}));
        Linear p1 = new Linear(source.apply("projector.fc1.weight", new long[] {h, vh}),
                source.apply("projector.fc1.bias", new long[] {h}));
        Linear p2 = new Linear(source.apply("projector.fc2.weight", new long[] {h, h}),
                source.apply("projector.fc2.bias", new long[] {h}));
        Tensor embed = source.apply("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new DecoderLayer(
                    source.apply(p + "input_layernorm.weight", new long[] {h}),
                    new Linear(source.apply(p + "self_attn.qkv_proj.weight", new long[] {qkvOut, h}),
                            source.apply(p + "self_attn.qkv_proj.bias", new long[] {qkvOut})),
                    source.apply(p + "self_attn.o_proj.weight", new long[] {h, c.heads() * hd}),
                    source.apply(p + "post_attention_layernorm.weight", new long[] {h}),
                    source.apply(p + "mlp.gate_up_proj.weight", new long[] {2L * c.intermediate(), h}),
                    source.apply(p + "mlp.down_proj.weight", new long[] {h, c.intermediate()})));
        }
        Tensor fnorm = source.apply("model.norm.weight", new long[] {h});
        return new TinyWeights(patch, pos, blocks, vnorm, p1, p2, embed, layers, fnorm);
    }

    /**
     * Fresh weights: norms at 1 (LayerNorm biases 0), biases 0, everything else normal with std 0.02 drawn from
     * {@code gen} in the order of {@link #named()}, on the CPU (the same values whatever the device), then placed on
     * {@code device}.
     */
    static TinyWeights random(TinyConfig c, Generator gen, DType dtype, Device device) {
        return build(c, (name, shape) -> {
            Tensor t;
            if (name.endsWith("norm.weight") || name.endsWith("layernorm.weight") || name.endsWith("norm1.weight")
                    || name.endsWith("norm2.weight")) {
                t = Tensor.ones(dtype, shape);
            } else if (name.endsWith(".bias")) {
                t = Tensor.zeros(dtype, shape);
            } else {
                t = Tensor.randn(gen, dtype, shape).mul(0.02);
            }
            if (device.isCpu()) {
                return t.persist();
            }
            Tensor on = t.to(device).persist();
            t.close();
            return on;
        });
    }
}
