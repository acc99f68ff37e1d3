package org.visualrft.train.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.ModuleNames;
import org.visualrft.model.lora.PythonRegex;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.tensor.Device;

/**
 * How the model is opened for training, with TRL {@code ModelConfig}'s names: {@code torch_dtype} and the LoRA
 * settings {@code use_peft}, {@code lora_r}, {@code lora_alpha}, {@code lora_target_modules}, {@code lora_dropout}
 * (and {@code lora_exclude_modules}, PEFT's {@code exclude_modules});
 * the image area, as Visual-RFT's and R1-V's scripts name it: {@code min_pixels}, {@code max_pixels}; and
 * {@code freeze_vision_modules}, as VLM-R1 names it.
 *
 * @param torchDtype {@code bfloat16} or {@code float32}; null ({@code auto}, the default): the model folder's
 *                   {@code config.json} {@code torch_dtype}
 * @param usePeft attach LoRA adapters and train only them (false: the language model is trained in full)
 * @param loraR adapter rank (TRL's default 16)
 * @param loraAlpha adapter alpha, the scale being alpha / r (TRL's default 32)
 * @param loraTargetModules the modules that get adapters, PEFT's {@code target_modules} ({@code all-linear} with the
 *                          vision tower frozen: the seven decoder projections; unfrozen: every linear layer);
 *                          empty when given as a regular expression
 * @param loraTargetRegex {@code lora_target_modules} given as a string other than {@code all-linear}: PEFT's regular
 *                        expression, matched against the whole module name as transformers 4.52+ names the
 *                        modules ({@code model.language_model.layers.0.self_attn.q_proj},
 *                        {@code model.visual.blocks.0.attn.qkv}), the names PEFT sees under TRL; null for a list
 * @param loraExcludeModules {@code lora_exclude_modules}: PEFT's {@code exclude_modules}, a list of names or a regular
 *                           expression matched as the targets are; the modules it matches get no adapter
 * @param useRslora PEFT's rank-stabilised scale alpha / sqrt(r) instead of alpha / r
 * @param minPixels the least pixel area an image is resized to (null: the model folder's preprocessor_config.json)
 * @param maxPixels the most pixel area an image is resized to (null: the folder's); Visual-RFT trained with 401,408
 * @param freezeVisionModules leave the vision tower (with its projection into the language model) out of training;
 *                            false (the default without use_peft): full fine-tuning trains every weight, as Hugging
 *                            Face's Trainer and the original Visual-RFT do, and with use_peft the targets are matched
 *                            over the vision tower too, as PEFT matches them over the whole model; true (the default
 *                            with use_peft): adapters on the language model only
 */
public record ModelArguments(String torchDtype, boolean usePeft, int loraR, double loraAlpha,
        List<String> loraTargetModules, String loraTargetRegex, ModuleNames loraExcludeModules, boolean useRslora,
        Integer minPixels, Integer maxPixels, boolean freezeVisionModules) {

    static final List<String> KEYS = List.of("torch_dtype", "use_peft", "lora_r", "lora_alpha",
            "lora_target_modules", "lora_exclude_modules", "lora_dropout", "use_rslora", "min_pixels", "max_pixels",
            "freeze_vision_modules");
    private static final List<String> LORA_KEYS = List.of("lora_r", "lora_alpha", "lora_target_modules",
            "lora_exclude_modules", "lora_dropout", "use_rslora");
    static final String ALL_LINEAR = "all-linear";
    private static final int MAX_RANK = 65_536;

    /**
     * Reads the keys. A key the YAML leaves out falls back to the older system properties ({@code vrft.dtype},
     * {@code vrft.lora.rank}, {@code vrft.lora.alpha}, {@code vrft.lora.targets}) when they are set, so runs started
     * that way keep their settings; the resolved values are what the run records.
     */
    static ModelArguments read(YamlFields y) {
        String propDtype = System.getProperty("vrft.dtype");
        String dtype = y.string("torch_dtype", propDtype == null ? "auto" : propDtype);
        dtype = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "bfloat16", "bf16" -> "bfloat16";
            case "float32", "f32", "fp32" -> "float32";
            default -> throw y.fault("torch_dtype", "must be auto, bfloat16 or float32, got '" + dtype + "'"
                    + (dtype.equalsIgnoreCase("float16") ? " (float16 is not supported)" : ""));
        };
        Integer minPixels = y.nullableInteger("min_pixels", null);
        Integer maxPixels = y.nullableInteger("max_pixels", null);
        for (String k : new String[] {"min_pixels", "max_pixels"}) {
            Integer v = k.equals("min_pixels") ? minPixels : maxPixels;
            if (v != null && v < 1) {
                throw y.fault(k, "must be a positive pixel area, got " + v);
            }
        }
        if (minPixels != null && maxPixels != null && minPixels > maxPixels) {
            throw y.fault("min_pixels", "must not exceed max_pixels (" + maxPixels + "), got " + minPixels);
        }
        String propRank = System.getProperty("vrft.lora.rank");
        boolean usePeft = y.bool("use_peft", propRank != null);
        boolean freezeVision = y.bool("freeze_vision_modules", usePeft);
        if (!usePeft) {
            for (String k : LORA_KEYS) {
                if (y.has(k)) {
                    throw y.fault(k, "only applies with use_peft: true (without it the model is trained in full)");
                }
            }
            return new ModelArguments(dtype, false, 0, 0, List.of(), null, ModuleNames.NONE, false, minPixels,
                    maxPixels, freezeVision);
        }
        int defaultRank = propRank != null && !y.has("lora_r") ? parseProperty(y, "vrft.lora.rank", propRank) : 16;
        int r = y.integer("lora_r", defaultRank);
        if (r < 1 || r > MAX_RANK) {
            throw y.fault("lora_r", "must be between 1 and " + MAX_RANK + ", got " + r);
        }
        String propAlpha = System.getProperty("vrft.lora.alpha");
        double defaultAlpha = propRank != null ? (propAlpha != null ? Double.parseDouble(propAlpha) : 2.0 * r) : 32;
        double alpha = y.number("lora_alpha", defaultAlpha);
        if (!(alpha > 0)) {
            throw y.fault("lora_alpha", "must be positive, got " + alpha);
        }
        double dropout = y.number("lora_dropout", 0.0);
        if (dropout != 0) {
            throw y.fault("lora_dropout", "must be 0: the adapters have no dropout, got " + dropout);
        }
        String propTargets = System.getProperty("vrft.lora.targets");
        // a string is PEFT's regular expression (all-linear aside), as TRL hands lora_target_modules to PEFT
        String regex = y.any("lora_target_modules") instanceof String s && !s.equalsIgnoreCase(ALL_LINEAR)
                ? regex(y, "lora_target_modules", s) : null;
        List<String> targets = regex != null ? List.of() : targets(y, y.strings("lora_target_modules",
                propRank != null && propTargets != null ? List.of(propTargets.split(",")) : List.of(ALL_LINEAR)),
                !freezeVision);
        ModuleNames exclude = exclude(y);
        boolean rslora = y.bool("use_rslora", false);
        return new ModelArguments(dtype, true, r, alpha, targets, regex, exclude, rslora, minPixels, maxPixels,
                freezeVision);
    }

    private static int parseProperty(YamlFields y, String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw y.fault("lora_r", "is not set and the system property " + name + " is not an integer: '" + value + "'");
        }
    }

    /** {@code text} under {@code key}, a Python regular expression that Java matches alike (else one error). */
    private static String regex(YamlFields y, String key, String text) {
        if (text.isEmpty()) {
            throw y.fault(key, "is an empty regular expression");
        }
        try {
            PythonRegex.compile(text);
            return text;
        } catch (IllegalArgumentException e) {
            throw y.fault(key, "regular expression " + e.getMessage());
        }
    }

    /**
     * {@code lora_exclude_modules}: unset, a regular expression, or a list of module names, each ending in a linear
     * layer's name as a target must (PEFT matches a list entry against a module's whole name or a dotted suffix, so a
     * container such as {@code visual} would exclude none of its layers).
     */
    private static ModuleNames exclude(YamlFields y) {
        String key = "lora_exclude_modules";
        if (y.any(key) instanceof String s) {
            return ModuleNames.regex(regex(y, key, s));
        }
        List<String> names = y.strings(key, List.of());
        for (String n : names) {
            try {
                if (n.equalsIgnoreCase(ALL_LINEAR)) {
                    throw new IllegalArgumentException(ALL_LINEAR + " is a shorthand of target_modules only");
                }
                new LoraConfig(1, 1, java.util.Set.of(n), false, true);
            } catch (IllegalArgumentException e) {
                throw y.fault(key, "'" + n + "' is not a linear layer's name: PEFT matches each name of a list against"
                        + " a module's whole name or a dotted suffix of it, so it would exclude no layer; name layers"
                        + " (" + LoraConfig.ALL_LINEAR + ", attn.qkv, layers.0.mlp.down_proj, ...) or give a regular"
                        + " expression such as '.*visual.*'");
            }
        }
        return ModuleNames.list(new LinkedHashSet<>(names));
    }

    /**
     * {@code all-linear} or a list of module names, each matched as PEFT matches {@code target_modules} (the name or a
     * dotted suffix of it): over the decoder layers, and with {@code vision} (use_peft with freeze_vision_modules:
     * false) over the vision tower's layers too. Each must end in a linear layer's name here; whether the model has it
     * is checked when it opens. With {@code vision}, {@code all-linear} stays as it is (every linear layer of both);
     * without, it is the seven decoder projections.
     */
    private static List<String> targets(YamlFields y, List<String> names, boolean vision) {
        if (names.size() == 1 && names.get(0).equalsIgnoreCase(ALL_LINEAR)) {
            return vision ? List.of(ALL_LINEAR) : LoraConfig.ALL_LINEAR;
        }
        if (names.isEmpty()) {
            throw y.fault("lora_target_modules", "must name at least one module, or be " + ALL_LINEAR);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String n : names) {
            if (n.equalsIgnoreCase(ALL_LINEAR)) {
                throw y.fault("lora_target_modules", ALL_LINEAR + " stands alone (every linear layer), not in a list");
            }
            try {
                new LoraConfig(1, 1, java.util.Set.of(n), false, true);
            } catch (IllegalArgumentException e) {
                throw y.fault("lora_target_modules", "unknown module '" + n + "'; known: " + LoraConfig.ALL_LINEAR
                        + ", the vision tower's (qkv, proj, fc1, fc2, linear_fc1, linear_fc2, mlp.0, mlp.2, or dotted"
                        + " paths such as attn.qkv) or " + ALL_LINEAR);
            }
            if (!vision && !LoraConfig.ALL_LINEAR.contains(n.substring(n.lastIndexOf('.') + 1))) {
                throw y.fault("lora_target_modules", "'" + n + "' is a vision-tower module, and with"
                        + " freeze_vision_modules: true (the default with use_peft) the adapters sit on the language"
                        + " model only; set freeze_vision_modules: false to give the vision tower adapters");
            }
            out.add(n);
        }
        return List.copyOf(new ArrayList<>(out));
    }

    /**
     * What the model loader is given: this dtype and these adapters on {@code device}, their A drawn from {@code seed},
     * the pixel limits, and the vision tower frozen or trained as {@code freeze_vision_modules} says.
     */
    public LoadOptions loadOptions(Device device, long seed) {
        org.visualrft.model.tensor.DType d = torchDtype == null ? null
                : torchDtype.equals("bfloat16") ? org.visualrft.model.tensor.DType.BF16
                : org.visualrft.model.tensor.DType.F32;
        LoraConfig lora = usePeft ? new LoraConfig(loraR, loraAlpha, java.util.Set.copyOf(loraTargetModules),
                loraTargetRegex, loraExcludeModules, null, useRslora, !freezeVisionModules) : null;
        return new LoadOptions(device, d, lora, seed, minPixels, maxPixels, freezeVisionModules);
    }

    /** The settings with YAML names; the LoRA ones null without use_peft. */
    Map<String, Object> asYaml() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("torch_dtype", torchDtype);
        m.put("use_peft", usePeft);
        m.put("lora_r", usePeft ? loraR : null);
        m.put("lora_alpha", usePeft ? loraAlpha : null);
        m.put("lora_target_modules", !usePeft ? null : loraTargetRegex != null ? loraTargetRegex : loraTargetModules);
        // null when unset, as runs recorded before it existed read: no exclusion
        m.put("lora_exclude_modules", !usePeft || loraExcludeModules.isEmpty() ? null
                : loraExcludeModules.regex() != null ? loraExcludeModules.regex()
                : List.copyOf(new java.util.TreeSet<>(loraExcludeModules.names())));
        m.put("use_rslora", usePeft && useRslora); // false for runs recorded before it existed
        m.put("min_pixels", minPixels);
        m.put("max_pixels", maxPixels);
        m.put("freeze_vision_modules", freezeVisionModules);
        return m;
    }
}
