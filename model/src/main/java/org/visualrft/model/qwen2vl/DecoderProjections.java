package org.visualrft.model.qwen2vl;

import java.util.Set;
import org.visualrft.model.lora.Linear;

/**
 * The seven linear projections of a Qwen decoder layer (attention q/k/v/o, SwiGLU gate/up/down), looked up by the
 * names PEFT gives them, which is how LoRA adapters are attached and saved.
 */
public interface DecoderProjections {
    Linear q();

    Linear k();

    Linear v();

    Linear o();

    Linear gate();

    Linear up();

    Linear down();

    /** The projection PEFT calls {@code name} (q_proj, ..., down_proj). */
    default Linear projection(String name) {
        return switch (name) {
            case "q_proj" -> q();
            case "k_proj" -> k();
            case "v_proj" -> v();
            case "o_proj" -> o();
            case "gate_proj" -> gate();
            case "up_proj" -> up();
            case "down_proj" -> down();
            default -> throw new IllegalArgumentException("no projection " + name);
        };
    }

    /** The projection's module path inside a decoder layer, e.g. {@code self_attn.q_proj}, {@code mlp.up_proj}. */
    static String module(String name) {
        return Set.of("q_proj", "k_proj", "v_proj", "o_proj").contains(name) ? "self_attn." + name : "mlp." + name;
    }
}
