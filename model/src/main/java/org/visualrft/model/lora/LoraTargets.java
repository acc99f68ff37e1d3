package org.visualrft.model.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.BadInputException;

/**
 * Which linear layers of a model a {@link LoraConfig} puts adapters on, matched as PEFT matches {@code target_modules}
 * ({@code check_target_module_exists}): a layer is a target when its module name equals a target or ends with
 * {@code "." + target}; {@code all-linear} takes every linear layer but the output head (which no model here adapts).
 * Module names are tried in both of transformers' layouts ({@code model.layers.…} / {@code visual.…} and 4.52+'s
 * {@code model.language_model.layers.…} / {@code model.visual.…}), so an adapter trained under either matches.
 */
public final class LoraTargets {
    /** The last name part of the vision towers' linear layers (Qwen2-VL, Qwen2.5-VL, Qwen3-VL), beside the decoder's. */
    static final Set<String> VISION_LINEARS = Set.of("qkv", "proj", "fc1", "fc2", "linear_fc1", "linear_fc2", "0", "2");
    /** The source a target that matches nothing is reported under: the training config's key. */
    public static final String SETTING = "lora_target_modules";

    private LoraTargets() {
    }

    /** Whether {@code module} (a module name, e.g. {@code visual.blocks.0.attn.qkv}) lies in the vision tower. */
    public static boolean isVision(String module) {
        return module.startsWith("visual.") || module.startsWith("model.visual.");
    }

    /** Whether a vision-tower layer of {@code linears} (module name to layer) has an adapter. */
    public static boolean adaptsVision(Map<String, Linear> linears) {
        return linears.entrySet().stream().anyMatch(e -> isVision(e.getKey()) && e.getValue().hasAdapter());
    }

    /**
     * The layers of {@code linears} (module name to layer, in the model's order) that {@code lora} targets: the
     * language model's, and with {@link LoraConfig#visionTower()} the vision tower's too. Every target must match at
     * least one layer there, else one error naming it and {@code model} (e.g. {@code qwen2_5_vl}), from the source
     * {@link #SETTING}.
     */
    public static Map<String, Linear> select(LoraConfig lora, Map<String, Linear> linears, String model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (String t : lora.targets()) {
            boolean matched = false;
            for (Map.Entry<String, Linear> e : linears.entrySet()) {
                if ((lora.visionTower() || !isVision(e.getKey())) && matches(t, e.getKey())) {
                    matched = true;
                }
            }
            if (!matched) {
                boolean visionOnly = !lora.visionTower() && linears.keySet().stream().anyMatch(m -> matches(t, m));
                throw new BadInputException(SETTING, "'" + t + "' " + (visionOnly
                        ? "is a vision-tower module of " + model + ", and the adapters sit on the language model only"
                        + " (freeze_vision_modules: true); set freeze_vision_modules: false to adapt the vision tower"
                        : "matches no linear layer of " + model + (lora.visionTower() ? "" : "'s language model")
                        + "; its layers: " + String.join(", ", lastParts(linears, lora.visionTower()))));
            }
        }
        linears.forEach((name, l) -> {
            if ((lora.visionTower() || !isVision(name)) && lora.targets().stream().anyMatch(t -> matches(t, name))) {
                out.put(name, l);
            }
        });
        return out;
    }

    /** PEFT's rule for one target of a list, tried on both layouts' names of {@code module}. */
    static boolean matches(String target, String module) {
        if (target.equals(LoraConfig.ALL_LINEAR_KEY)) {
            return true;
        }
        for (String name : List.of(module, otherLayout(module))) {
            if (name.equals(target) || name.endsWith("." + target)) {
                return true;
            }
        }
        return false;
    }

    /** {@code model.layers.…} ↔ {@code model.language_model.layers.…}, {@code visual.…} ↔ {@code model.visual.…}. */
    static String otherLayout(String module) {
        if (module.startsWith("model.visual.")) {
            return module.substring("model.".length());
        }
        if (module.startsWith("visual.")) {
            return "model." + module;
        }
        if (module.startsWith("model.language_model.")) {
            return "model." + module.substring("model.language_model.".length());
        }
        return module.startsWith("model.") ? "model.language_model." + module.substring("model.".length()) : module;
    }

    /** The distinct module paths within a layer or block ({@code self_attn.q_proj}, {@code mlp.fc1}, {@code merger.mlp.0}). */
    private static Set<String> lastParts(Map<String, Linear> linears, boolean vision) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String m : linears.keySet()) {
            if (vision || !isVision(m)) {
                out.add(m.replaceFirst("^.*\\.(layers|blocks|deepstack_merger_list)\\.\\d+\\.", "")
                        .replaceFirst("^(model\\.)?visual\\.", ""));
            }
        }
        return out;
    }
}
