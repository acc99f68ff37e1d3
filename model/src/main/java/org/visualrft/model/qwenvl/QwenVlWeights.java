package org.visualrft.model.qwenvl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.LoraTargets;
import org.visualrft.model.qwen2vl.DecoderLayerWeights;
import org.visualrft.model.qwen2vl.WeightShapes;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Tensor;

/**
 * Every weight of a Qwen2.5-VL or Qwen3-VL checkpoint, kept under the name it was loaded with (so a merged save writes
 * the names the folder had), and the same tensors arranged for the forward pass. Projections are {@link Linear}s so
 * LoRA adapters can hang on them.
 *
 * <p>Names: the hub's Qwen2.5-VL files say {@code model.layers.…} and {@code visual.…}; Qwen3-VL's (and transformers
 * 5's internal layout) say {@code model.language_model.layers.…} and {@code model.visual.…}. Either is accepted.
 */
public final class QwenVlWeights {

    /** A decoder layer; {@code qNorm}/{@code kNorm} are null without q/k normalisation. */
    public record Layer(Tensor inputNorm, Linear q, Linear k, Linear v, Linear o, Tensor qNorm, Tensor kNorm,
                        Tensor postNorm, Linear gate, Linear up, Linear down) implements DecoderLayerWeights {
    }

    /**
     * A vision block. Norm biases are null for Qwen2.5-VL's RMSNorms. The MLP is SwiGLU (gate, up, down; Qwen2.5-VL)
     * or two layers around gelu-tanh (fc1 = up, fc2 = down, gate null; Qwen3-VL).
     */
    public record VisionBlock(Tensor norm1W, Tensor norm1B, Linear qkv, Linear proj, Tensor norm2W, Tensor norm2B,
                              Linear gate, Linear up, Linear down) {
    }

    /** A patch merger: norm (bias null for RMSNorm), fc1, GELU, fc2. */
    public record Merger(Tensor normW, Tensor normB, Linear fc1, Linear fc2) {
    }

    /**
     * The vision tower: the Conv3d patch weight as the checkpoint holds it {@code [hidden, C, T, P, P]}, its bias
     * (Qwen3-VL), learned positions {@code [n, hidden]} (Qwen3-VL), blocks, merger, DeepStack mergers (Qwen3-VL; empty
     * otherwise).
     */
    public record Vision(Tensor patchEmbed, Tensor patchBias, Tensor posEmbed, List<VisionBlock> blocks, Merger merger,
                         List<Merger> deepstackMergers) {
        /**
         * The patch weight flattened to {@code [hidden, C·T·P·P]} (a stride-equal-kernel conv is a matmul): a view made
         * per forward, so that a trained patch weight takes its gradient.
         */
        public Tensor patchMatrix() {
            return patchEmbed.reshape(patchEmbed.size(0), patchEmbed.numel() / patchEmbed.size(0));
        }
    }

    private final Map<String, Tensor> byName;
    private final Map<String, Linear> linears;
    private final Tensor embedTokens;
    private final List<Layer> layers;
    private final Tensor norm;
    private final Tensor lmHead;
    private final Vision vision;
    private final String textPrefix;

    private QwenVlWeights(Map<String, Tensor> byName, Map<String, Linear> linears, Tensor embedTokens, List<Layer> layers,
                          Tensor norm, Tensor lmHead, Vision vision, String textPrefix) {
        this.byName = byName;
        this.linears = linears;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.vision = vision;
        this.textPrefix = textPrefix;
    }

    public Tensor embedTokens() {
        return embedTokens;
    }

    public List<Layer> layers() {
        return layers;
    }

    public Tensor norm() {
        return norm;
    }

    public Tensor lmHead() {
        return lmHead;
    }

    public Vision vision() {
        return vision;
    }

    /** The prefix of the decoder layers' names, e.g. {@code model.layers.} or {@code model.language_model.layers.}. */
    public String layerPrefix() {
        return textPrefix + "layers.";
    }

    /**
     * Builds the weights from a name lookup (the safetensors reader). {@code lookup} returns null for absent names; an
     * absent required weight is reported with its name by {@code missing}.
     */
    public static QwenVlWeights from(QwenVlConfig c, Function<String, Tensor> lookup, Function<String, RuntimeException> missing) {
        // the probe is kept, not read twice: a lookup may load (and own) what it returns
        String probeName = "model.language_model.embed_tokens.weight";
        Tensor probe = lookup.apply(probeName);
        boolean nested = probe != null;
        String tp = nested ? "model.language_model." : "model.";
        String vp = nested ? "model.visual." : "visual.";
        Map<String, Tensor> byName = new LinkedHashMap<>();
        Map<String, Linear> linears = new LinkedHashMap<>();
        Function<String, Tensor> need = n -> {
            Tensor t = n.equals(probeName) && probe != null ? probe : lookup.apply(n);
            if (t == null) {
                throw missing.apply(n);
            }
            byName.put(n, t);
            return t;
        };
        Function<String, Tensor> maybe = n -> {
            Tensor t = lookup.apply(n);
            if (t != null) {
                byName.put(n, t);
            }
            return t;
        };
        // a linear layer "<prefix>weight" (+ "<prefix>bias" when hasBias)
        java.util.function.BiFunction<String, Boolean, Linear> linear = (p, hasBias) -> {
            Linear l = new Linear(need.apply(p + "weight"), hasBias ? need.apply(p + "bias") : null);
            linears.put(p + "weight", l);
            return l;
        };
        QwenVlConfig.Text t = c.text();
        boolean q3 = c.family() == QwenVlConfig.Family.QWEN3_VL;
        Tensor embed = need.apply(tp + "embed_tokens.weight");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < t.numLayers(); i++) {
            String p = tp + "layers." + i + ".";
            Tensor in = need.apply(p + "input_layernorm.weight");
            Linear q = linear.apply(p + "self_attn.q_proj.", t.qkvBias());
            Linear k = linear.apply(p + "self_attn.k_proj.", t.qkvBias());
            Linear v = linear.apply(p + "self_attn.v_proj.", t.qkvBias());
            Linear o = linear.apply(p + "self_attn.o_proj.", false);
            Tensor qn = t.qkNorm() ? need.apply(p + "self_attn.q_norm.weight") : null;
            Tensor kn = t.qkNorm() ? need.apply(p + "self_attn.k_norm.weight") : null;
            layers.add(new Layer(in, q, k, v, o, qn, kn, need.apply(p + "post_attention_layernorm.weight"),
                    linear.apply(p + "mlp.gate_proj.", false), linear.apply(p + "mlp.up_proj.", false),
                    linear.apply(p + "mlp.down_proj.", false)));
        }
        Tensor norm = need.apply(tp + "norm.weight");
        Tensor head = t.tieWordEmbeddings() ? embed : need.apply("lm_head.weight");

        QwenVlConfig.Vision vc = c.vision();
        List<VisionBlock> blocks = new ArrayList<>();
        for (int i = 0; i < vc.depth(); i++) {
            String p = vp + "blocks." + i + ".";
            Tensor n1 = need.apply(p + "norm1.weight");
            Tensor n1b = q3 ? need.apply(p + "norm1.bias") : null;
            Linear qkv = linear.apply(p + "attn.qkv.", true);
            Linear proj = linear.apply(p + "attn.proj.", true);
            Tensor n2 = need.apply(p + "norm2.weight");
            Tensor n2b = q3 ? need.apply(p + "norm2.bias") : null;
            if (q3) {
                blocks.add(new VisionBlock(n1, n1b, qkv, proj, n2, n2b, null,
                        linear.apply(p + "mlp.linear_fc1.", true), linear.apply(p + "mlp.linear_fc2.", true)));
            } else {
                blocks.add(new VisionBlock(n1, null, qkv, proj, n2, null, linear.apply(p + "mlp.gate_proj.", true),
                        linear.apply(p + "mlp.up_proj.", true), linear.apply(p + "mlp.down_proj.", true)));
            }
        }
        Tensor patch = need.apply(vp + "patch_embed.proj.weight");
        Tensor patchBias = q3 ? need.apply(vp + "patch_embed.proj.bias") : null;
        Tensor pos = q3 ? need.apply(vp + "pos_embed.weight") : null;
        Merger merger;
        List<Merger> deep = new ArrayList<>();
        if (q3) {
            merger = new Merger(need.apply(vp + "merger.norm.weight"), need.apply(vp + "merger.norm.bias"),
                    linear.apply(vp + "merger.linear_fc1.", true), linear.apply(vp + "merger.linear_fc2.", true));
            for (int i = 0; i < vc.deepstackBlocks().length; i++) {
                String p = vp + "deepstack_merger_list." + i + ".";
                deep.add(new Merger(need.apply(p + "norm.weight"), need.apply(p + "norm.bias"),
                        linear.apply(p + "linear_fc1.", true), linear.apply(p + "linear_fc2.", true)));
            }
        } else {
            merger = new Merger(need.apply(vp + "merger.ln_q.weight"), null,
                    linear.apply(vp + "merger.mlp.0.", true), linear.apply(vp + "merger.mlp.2.", true));
        }
        Vision vision = new Vision(patch, patchBias, pos, blocks, merger, deep);
        return new QwenVlWeights(byName, linears, embed, layers, norm, head, vision, tp);
    }

    /**
     * The shape config.json implies for the weight {@code name} (in either naming layout), or null for a name this
     * model does not read.
     */
    public static long[] expectedShape(QwenVlConfig c, String name) {
        QwenVlConfig.Text t = c.text();
        QwenVlConfig.Vision v = c.vision();
        boolean q3 = c.family() == QwenVlConfig.Family.QWEN3_VL;
        String vp = name.startsWith("model.visual.") ? "model.visual." : name.startsWith("visual.") ? "visual." : null;
        if (vp == null) {
            String tp = name.startsWith("model.language_model.") ? "model.language_model." : "model.";
            String layer = WeightShapes.afterIndex(name, tp + "layers.");
            if (layer != null) {
                return WeightShapes.decoderLayer(layer, t.hiddenSize(), t.numHeads(), t.numKvHeads(), t.headDim(),
                        t.intermediateSize());
            }
            String local = name.equals("lm_head.weight") ? name : name.startsWith(tp) ? name.substring(tp.length()) : "";
            return switch (local) {
                case "embed_tokens.weight", "lm_head.weight" -> new long[] {t.vocabSize(), t.hiddenSize()};
                case "norm.weight" -> new long[] {t.hiddenSize()};
                default -> null;
            };
        }
        long e = v.hiddenSize();
        long ff = v.intermediateSize();
        long merged = e * v.spatialMergeSize() * v.spatialMergeSize();
        String block = WeightShapes.afterIndex(name, vp + "blocks.");
        if (block != null) {
            return switch (block) {
                case "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "attn.proj.bias", "mlp.down_proj.bias",
                        "mlp.linear_fc2.bias" -> new long[] {e};
                case "attn.qkv.weight" -> new long[] {3 * e, e};
                case "attn.qkv.bias" -> new long[] {3 * e};
                case "attn.proj.weight" -> new long[] {e, e};
                case "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.linear_fc1.weight" -> new long[] {ff, e};
                case "mlp.gate_proj.bias", "mlp.up_proj.bias", "mlp.linear_fc1.bias" -> new long[] {ff};
                case "mlp.down_proj.weight", "mlp.linear_fc2.weight" -> new long[] {e, ff};
                default -> null;
            };
        }
        // a DeepStack merger normalises after the 2×2 merge, the main merger before it
        String deep = WeightShapes.afterIndex(name, vp + "deepstack_merger_list.");
        String merger = deep != null ? deep : name.startsWith(vp + "merger.") ? name.substring((vp + "merger.").length()) : null;
        if (merger != null) {
            long out = v.outHiddenSize();
            return switch (merger) {
                case "norm.weight", "norm.bias" -> new long[] {deep != null ? merged : e};
                case "ln_q.weight" -> new long[] {e};
                case "mlp.0.weight", "linear_fc1.weight" -> new long[] {merged, merged};
                case "mlp.0.bias", "linear_fc1.bias" -> new long[] {merged};
                case "mlp.2.weight", "linear_fc2.weight" -> new long[] {out, merged};
                case "mlp.2.bias", "linear_fc2.bias" -> new long[] {out};
                default -> null;
            };
        }
        return switch (name.substring(vp.length())) {
            case "patch_embed.proj.weight" -> WeightShapes.patchEmbed(e, v.inChannels(), v.temporalPatchSize(), v.patchSize());
            case "patch_embed.proj.bias" -> new long[] {e};
            case "pos_embed.weight" -> q3 ? new long[] {v.numPositionEmbeddings(), e} : null;
            default -> null;
        };
    }

    /** Every base tensor under its checkpoint name, adapters not merged (the live tensors, not copies). */
    public Map<String, Tensor> named() {
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Every tensor under its checkpoint name with LoRA adapters merged into their projections: what a merged checkpoint
     * holds. A tied lm_head is left out, as transformers leaves it out.
     */
    public List<SafeTensorsWriter.Entry> merged() {
        return Linear.mergedOnWrite(byName, linears);
    }

    /** The tensors this object owns (base weights, reshaped views and adapters), each once, for closing. */
    public Collection<Tensor> owned() {
        Set<Tensor> out = Collections.newSetFromMap(new IdentityHashMap<>());
        out.addAll(byName.values());
        out.add(vision.patchEmbed());
        for (Linear l : linears.values()) {
            out.addAll(l.trainable());
        }
        return out;
    }

    /**
     * The linear layers a LoRA config targets ({@link LoraTargets}: the decoder's, with
     * {@link LoraConfig#visionTower()} the vision tower's too), by PEFT's module name ({@code …layers.0.self_attn.q_proj},
     * {@code …visual.blocks.0.attn.qkv}), in the order they were loaded (the language model's first).
     */
    public Map<String, Linear> loraTargets(LoraConfig lora, String model) {
        return LoraTargets.select(lora, linears(), model, byName.keySet());
    }

    /** Every linear layer by module name (its weight's name without {@code .weight}), in load order. */
    public Map<String, Linear> linears() {
        Map<String, Linear> out = new LinkedHashMap<>();
        linears.forEach((w, l) -> out.put(w.substring(0, w.length() - ".weight".length()), l));
        return out;
    }
}
