package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Tensor;

/**
 * Every weight of a Qwen2-VL checkpoint, under the names transformers uses ({@code model.layers.0.self_attn.q_proj.weight},
 * {@code visual.blocks.0.attn.qkv.weight}, ...). Projections are {@link Linear}s so LoRA adapters can hang on them.
 */
public record Qwen2VLWeights(Tensor embedTokens, List<Layer> layers, Tensor norm, Tensor lmHead, Vision vision) {

    public record Layer(Tensor inputNorm, Linear q, Linear k, Linear v, Linear o,
                        Tensor postNorm, Linear gate, Linear up, Linear down) implements DecoderLayerWeights {
    }

    public record VisionBlock(Tensor norm1W, Tensor norm1B, Linear qkv, Linear proj,
                              Tensor norm2W, Tensor norm2B, Linear fc1, Linear fc2) {
    }

    /** The vision tower: the Conv3d patch weight as the checkpoint holds it {@code [embed, C, T, P, P]}, blocks, merger. */
    public record Vision(Tensor patchEmbed, List<VisionBlock> blocks, Tensor lnQW, Tensor lnQB, Linear mlp0, Linear mlp2) {
        /**
         * The patch weight flattened to {@code [embed, C·T·P·P]} (a stride-equal-kernel conv is a matmul): a view made
         * per forward, so that a trained patch weight takes its gradient.
         */
        public Tensor patchMatrix() {
            return patchEmbed.reshape(patchEmbed.size(0), patchEmbed.numel() / patchEmbed.size(0));
        }
    }

    /**
     * Builds the weights from a name lookup (the safetensors reader). {@code lookup} returns null for absent names;
     * an absent required weight is reported with its name by {@code missing}.
     */
    public static Qwen2VLWeights from(Qwen2VLConfig c, Function<String, Tensor> lookup, Function<String, RuntimeException> missing) {
        Function<String, Tensor> need = n -> {
            Tensor t = lookup.apply(n);
            if (t == null) {
                throw missing.apply(n);
            }
            return t;
        };
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    need.apply(p + "input_layernorm.weight"),
                    new Linear(need.apply(p + "self_attn.q_proj.weight"), need.apply(p + "self_attn.q_proj.bias")),
                    new Linear(need.apply(p + "self_attn.k_proj.weight"), need.apply(p + "self_attn.k_proj.bias")),
                    new Linear(need.apply(p + "self_attn.v_proj.weight"), need.apply(p + "self_attn.v_proj.bias")),
                    new Linear(need.apply(p + "self_attn.o_proj.weight"), null),
                    need.apply(p + "post_attention_layernorm.weight"),
                    new Linear(need.apply(p + "mlp.gate_proj.weight"), null),
                    new Linear(need.apply(p + "mlp.up_proj.weight"), null),
                    new Linear(need.apply(p + "mlp.down_proj.weight"), null)));
        }
        Tensor embed = need.apply("model.embed_tokens.weight");
        Tensor head = c.tieWordEmbeddings() ? embed : need.apply("lm_head.weight");
        Qwen2VLConfig.Vision vc = c.vision();
        List<VisionBlock> blocks = new ArrayList<>();
        for (int i = 0; i < vc.depth(); i++) {
            String p = "visual.blocks." + i + ".";
            blocks.add(new VisionBlock(
                    need.apply(p + "norm1.weight"), need.apply(p + "norm1.bias"),
                    new Linear(need.apply(p + "attn.qkv.weight"), need.apply(p + "attn.qkv.bias")),
                    new Linear(need.apply(p + "attn.proj.weight"), need.apply(p + "attn.proj.bias")),
                    need.apply(p + "norm2.weight"), need.apply(p + "norm2.bias"),
                    new Linear(need.apply(p + "mlp.fc1.weight"), need.apply(p + "mlp.fc1.bias")),
                    new Linear(need.apply(p + "mlp.fc2.weight"), need.apply(p + "mlp.fc2.bias"))));
        }
        Tensor patch = need.apply("visual.patch_embed.proj.weight");
        Vision vision = new Vision(patch, blocks,
                need.apply("visual.merger.ln_q.weight"), need.apply("visual.merger.ln_q.bias"),
                new Linear(need.apply("visual.merger.mlp.0.weight"), need.apply("visual.merger.mlp.0.bias")),
                new Linear(need.apply("visual.merger.mlp.2.weight"), need.apply("visual.merger.mlp.2.bias")));
        return new Qwen2VLWeights(embed, layers, need.apply("model.norm.weight"), head, vision);
    }

    /** The shape config.json implies for the weight {@code name}, or null for a name this model does not read. */
    public static long[] expectedShape(Qwen2VLConfig c, String name) {
        long h = c.hiddenSize();
        String layer = WeightShapes.afterIndex(name, "model.layers.");
        if (layer != null) {
            return WeightShapes.decoderLayer(layer, h, c.numHeads(), c.numKvHeads(), c.headDim(), c.intermediateSize());
        }
        Qwen2VLConfig.Vision v = c.vision();
        long e = v.embedDim();
        String block = WeightShapes.afterIndex(name, "visual.blocks.");
        if (block != null) {
            return switch (block) {
                case "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "attn.proj.bias", "mlp.fc2.bias" ->
                        new long[] {e};
                case "attn.qkv.weight" -> new long[] {3 * e, e};
                case "attn.qkv.bias" -> new long[] {3 * e};
                case "attn.proj.weight" -> new long[] {e, e};
                case "mlp.fc1.weight" -> new long[] {v.mlpDim(), e};
                case "mlp.fc1.bias" -> new long[] {v.mlpDim()};
                case "mlp.fc2.weight" -> new long[] {e, v.mlpDim()};
                default -> null;
            };
        }
        long merged = e * v.spatialMergeSize() * v.spatialMergeSize();
        return switch (name) {
            case "model.embed_tokens.weight", "lm_head.weight" -> new long[] {c.vocabSize(), h};
            case "model.norm.weight" -> new long[] {h};
            case "visual.patch_embed.proj.weight" ->
                    WeightShapes.patchEmbed(e, v.inChannels(), v.temporalPatchSize(), v.patchSize());
            case "visual.merger.ln_q.weight", "visual.merger.ln_q.bias" -> new long[] {e};
            case "visual.merger.mlp.0.weight" -> new long[] {merged, merged};
            case "visual.merger.mlp.0.bias" -> new long[] {merged};
            case "visual.merger.mlp.2.weight" -> new long[] {v.hiddenSize(), merged};
            case "visual.merger.mlp.2.bias" -> new long[] {v.hiddenSize()};
            default -> null;
        };
    }

    /**
     * Every tensor under its transformers name, with LoRA adapters merged into their projections: what a merged
     * checkpoint holds. A tied lm_head is left out, as transformers leaves it out.
     */
    public List<SafeTensorsWriter.Entry> merged(Qwen2VLConfig c) {
        Map<String, Linear> linears = new LinkedHashMap<>();
        return Linear.mergedOnWrite(named(c, linears), linears);
    }

    /** Every base tensor under its transformers name, adapters not merged (the live tensors, not copies). */
    public Map<String, Tensor> named(Qwen2VLConfig c) {
        return named(c, null);
    }

    /**
     * Every linear layer under its transformers module name ({@code model.layers.0.self_attn.q_proj},
     * {@code visual.blocks.0.attn.qkv}, {@code visual.merger.mlp.0}), the language model's first: what LoRA targets match.
     */
    public Map<String, Linear> linears(Qwen2VLConfig c) {
        Map<String, Linear> byWeight = new LinkedHashMap<>();
        named(c, byWeight);
        Map<String, Linear> out = new LinkedHashMap<>();
        byWeight.forEach((w, l) -> out.put(w.substring(0, w.length() - ".weight".length()), l));
        return out;
    }

    /** The base tensors by name; {@code linears}, when given, gets each projection under its weight's name. */
    private Map<String, Tensor> named(Qwen2VLConfig c, Map<String, Linear> linears) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", embedTokens);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "model.layers." + i + ".";
            out.put(p + "input_layernorm.weight", l.inputNorm());
            out.put(p + "post_attention_layernorm.weight", l.postNorm());
            for (String name : org.visualrft.model.lora.LoraConfig.ALL_LINEAR) {
                Linear lin = l.projection(name);
                String base = p + DecoderProjections.module(name) + ".";
                putLinear(out, base, lin, linears);
            }
        }
        out.put("model.norm.weight", norm);
        if (!c.tieWordEmbeddings()) {
            out.put("lm_head.weight", lmHead);
        }
        Qwen2VLConfig.Vision vc = c.vision();
        out.put("visual.patch_embed.proj.weight", vision.patchEmbed());
        for (int i = 0; i < vision.blocks().size(); i++) {
            VisionBlock b = vision.blocks().get(i);
            String p = "visual.blocks." + i + ".";
            out.put(p + "norm1.weight", b.norm1W());
            out.put(p + "norm1.bias", b.norm1B());
            out.put(p + "norm2.weight", b.norm2W());
            out.put(p + "norm2.bias", b.norm2B());
            putLinear(out, p + "attn.qkv.", b.qkv(), linears);
            putLinear(out, p + "attn.proj.", b.proj(), linears);
            putLinear(out, p + "mlp.fc1.", b.fc1(), linears);
            putLinear(out, p + "mlp.fc2.", b.fc2(), linears);
        }
        out.put("visual.merger.ln_q.weight", vision.lnQW());
        out.put("visual.merger.ln_q.bias", vision.lnQB());
        putLinear(out, "visual.merger.mlp.0.", vision.mlp0(), linears);
        putLinear(out, "visual.merger.mlp.2.", vision.mlp2(), linears);
        return out;
    }

    /** The tensors this object owns (base weights and adapters), each once, for closing. */
    public java.util.Collection<Tensor> owned() {
        java.util.Set<Tensor> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        out.add(embedTokens);
        out.add(lmHead);
        out.add(norm);
        for (Layer l : layers) {
            out.add(l.inputNorm());
            out.add(l.postNorm());
            for (String n : org.visualrft.model.lora.LoraConfig.ALL_LINEAR) {
                addLinear(out, l.projection(n));
            }
        }
        out.add(vision.patchEmbed());
        out.add(vision.lnQW());
        out.add(vision.lnQB());
        addLinear(out, vision.mlp0());
        addLinear(out, vision.mlp2());
        for (VisionBlock b : vision.blocks()) {
            out.add(b.norm1W());
            out.add(b.norm1B());
            out.add(b.norm2W());
            out.add(b.norm2B());
            addLinear(out, b.qkv());
            addLinear(out, b.proj());
            addLinear(out, b.fc1());
            addLinear(out, b.fc2());
        }
        return out;
    }

    private static void addLinear(java.util.Set<Tensor> out, Linear l) {
        out.add(l.weight());
        if (l.bias() != null) {
            out.add(l.bias());
        }
        out.addAll(l.trainable());
    }

    private static void putLinear(Map<String, Tensor> out, String prefix, Linear l, Map<String, Linear> linears) {
        out.put(prefix + "weight", l.weight());
        if (linears != null) {
            linears.put(prefix + "weight", l);
        }
        if (l.bias() != null) {
            out.put(prefix + "bias", l.bias());
        }
    }
}
