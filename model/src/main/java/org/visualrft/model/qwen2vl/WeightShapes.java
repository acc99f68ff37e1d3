package org.visualrft.model.qwen2vl;

/**
 * The shapes config.json implies for the weights of the Qwen families, by the names transformers gives them. A loader
 * checks every stored tensor's header against them before it reads any data, as transformers' {@code from_pretrained}
 * refuses a size mismatch: otherwise a wrong tensor fails deep inside libtorch at the first forward, or worse, a norm
 * or bias of one element broadcasts and the model runs on silently wrong weights.
 */
public final class WeightShapes {
    private WeightShapes() {
    }

    /**
     * The part of {@code name} after {@code prefix} and a layer number ({@code "model.layers.3.mlp.up_proj.weight"},
     * prefix {@code "model.layers."}: {@code "mlp.up_proj.weight"}), or null when {@code name} is not of that form.
     */
    public static String afterIndex(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return null;
        }
        int i = prefix.length();
        int digits = i;
        while (i < name.length() && Character.isDigit(name.charAt(i))) {
            i++;
        }
        return i == digits || i >= name.length() || name.charAt(i) != '.' ? null : name.substring(i + 1);
    }

    /**
     * A decoder layer's weight ({@code local}: its name inside the layer) in a Qwen2 or Qwen3 decoder, or null for a
     * name no decoder layer holds.
     */
    public static long[] decoderLayer(String local, long hidden, long heads, long kvHeads, long headDim,
                                      long intermediate) {
        long q = heads * headDim;
        long kv = kvHeads * headDim;
        return switch (local) {
            case "input_layernorm.weight", "post_attention_layernorm.weight" -> new long[] {hidden};
            case "self_attn.q_proj.weight" -> new long[] {q, hidden};
            case "self_attn.q_proj.bias" -> new long[] {q};
            case "self_attn.k_proj.weight", "self_attn.v_proj.weight" -> new long[] {kv, hidden};
            case "self_attn.k_proj.bias", "self_attn.v_proj.bias" -> new long[] {kv};
            case "self_attn.o_proj.weight" -> new long[] {hidden, q};
            case "self_attn.q_norm.weight", "self_attn.k_norm.weight" -> new long[] {headDim};
            case "mlp.gate_proj.weight", "mlp.up_proj.weight" -> new long[] {intermediate, hidden};
            case "mlp.down_proj.weight" -> new long[] {hidden, intermediate};
            default -> null;
        };
    }

    /** A Conv3d patch embedding's weight: {@code [hidden, channels, temporal, patch, patch]}. */
    public static long[] patchEmbed(long hidden, long channels, long temporal, long patch) {
        return new long[] {hidden, channels, temporal, patch, patch};
    }
}
