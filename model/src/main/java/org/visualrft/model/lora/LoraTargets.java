package org.visualrft.model.lora;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.visualrft.core.BadInputException;

/**
 * Which linear layers of a model a {@link LoraConfig} puts adapters on, matched as PEFT matches {@code target_modules}
 * ({@code check_target_module_exists}): a module {@code exclude_modules} matches is never a target; then a layer is a
 * target when its module name equals a target of a list or ends with {@code "." + target}, or when a string target, a
 * regular expression, matches its whole name ({@code re.fullmatch}); {@code all-linear} takes every linear layer but
 * the output head (which no model here adapts). The names of a list are tried in both of transformers' layouts
 * ({@code model.layers.…} / {@code visual.…} and 4.52+'s {@code model.language_model.layers.…} /
 * {@code model.visual.…}), so an adapter trained under either matches; an expression sees the names of one layout,
 * {@link LoraConfig#layout()}, as PEFT saw those of the model it wrapped.
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
     * The module names a regular expression of {@code target_modules} or {@code exclude_modules} is matched against:
     * PEFT matches it against the names of the model it wraps, which transformers 4.52+ nests
     * ({@code model.language_model.layers.…}, {@code model.visual.…}) and earlier versions do not
     * ({@code model.layers.…}, {@code visual.…}).
     */
    public enum Layout {
        FLAT("transformers before 4.52 names them: model.layers.0.self_attn.q_proj, visual.blocks.0.attn.qkv"),
        NESTED("transformers 4.52+ names them: model.language_model.layers.0.self_attn.q_proj,"
                + " model.visual.blocks.0.attn.qkv");

        private final String names;

        Layout(String names) {
            this.names = names;
        }

        /** The layout of a model's (or an adapter file's) module names. */
        public static Layout of(java.util.Collection<String> modules) {
            return modules.stream().anyMatch(m -> m.startsWith("model.language_model.") || m.startsWith("model.visual."))
                    ? NESTED : FLAT;
        }

        /** {@code module}, a name in layout {@code from}, as this layout names it ("" where it has no such module). */
        String nameOf(String module, Layout from) {
            if (from == this) {
                return module;
            }
            if (this == NESTED) {
                return module.equals("model") ? "model.language_model" : module.equals("visual") ? "model.visual"
                        : module.startsWith("model.") || module.startsWith("visual.") ? otherLayout(module) : module;
            }
            return module.equals("model") ? "" : module.equals("model.language_model") ? "model"
                    : module.equals("model.visual") ? "visual" : otherLayout(module);
        }
    }

    /** As {@link #select(LoraConfig, Map, String, Collection)} without the model's other tensors (lm_head is known). */
    public static Map<String, Linear> select(LoraConfig lora, Map<String, Linear> linears, String model) {
        return select(lora, linears, model, Set.of());
    }

    /**
     * The layers of {@code linears} (module name to layer, in the model's order) that {@code lora} targets: the
     * language model's, and with {@link LoraConfig#visionTower()} the vision tower's too; a module
     * {@link LoraConfig#exclude()} matches is never one. Every target of a list must match at least one layer there,
     * else one error naming it and {@code model} (e.g. {@code qwen2_5_vl}), from the source {@link #SETTING}; a
     * regular expression must match at least one layer that is not excluded, and no other module of the model (those
     * of {@code tensors}, the model's weight names, their containers, and {@code lm_head}: PEFT would adapt those or
     * refuse them, and the adapters here sit on linear layers only).
     */
    public static Map<String, Linear> select(LoraConfig lora, Map<String, Linear> linears, String model,
            Collection<String> tensors) {
        Layout own = Layout.of(linears.keySet());
        Predicate<String> excluded = matcher(lora.exclude(), lora.layout(), own);
        Predicate<String> candidate = m -> (lora.visionTower() || !isVision(m)) && !excluded.test(m);
        Map<String, Linear> out = new LinkedHashMap<>();
        if (lora.targetRegex() != null) {
            Predicate<String> hit = matcher(ModuleNames.regex(lora.targetRegex()), lora.layout(), own);
            linears.forEach((name, l) -> {
                if (candidate.test(name) && hit.test(name)) {
                    out.put(name, l);
                }
            });
            for (String m : otherModules(linears.keySet(), tensors)) {
                if (!lora.layout().nameOf(m, own).isEmpty() && hit.test(m) && !excluded.test(m)) {
                    throw new BadInputException(SETTING, "'" + lora.targetRegex() + "' also matches "
                            + lora.layout().nameOf(m, own) + ", which is not a linear layer the adapters here sit on"
                            + " (PEFT would adapt it, or refuse it); narrow the expression");
                }
            }
            if (out.isEmpty()) {
                throw new BadInputException(SETTING, noMatch(lora, linears, model, own, hit, excluded));
            }
            return out;
        }
        for (String t : lora.targets()) {
            boolean matched = false;
            for (Map.Entry<String, Linear> e : linears.entrySet()) {
                if ((lora.visionTower() || !isVision(e.getKey())) && matches(t, e.getKey())) {
                    matched = true;
                }
            }
            if (!matched) {
                boolean visionOnly = !lora.visionTower() && linears.keySet().stream().anyMatch(m -> matches(t, m));
                throw new BadInputException(SETTING, "'" + t + "' " + (visionOnly ? frozenTower(model)
                        : "matches no linear layer of " + model + (lora.visionTower() ? "" : "'s language model")
                        + "; its layers: " + String.join(", ", lastParts(linears, lora.visionTower()))));
            }
        }
        linears.forEach((name, l) -> {
            if (candidate.test(name) && lora.targets().stream().anyMatch(t -> matches(t, name))) {
                out.put(name, l);
            }
        });
        if (out.isEmpty()) {
            throw new BadInputException(SETTING, "every layer " + lora.targets() + " match is excluded by"
                    + " exclude_modules " + lora.exclude().describe() + ": no layer is left to adapt");
        }
        return out;
    }

    /** Why a regular expression of target_modules selects no layer. */
    private static String noMatch(LoraConfig lora, Map<String, Linear> linears, String model, Layout own,
            Predicate<String> hit, Predicate<String> excluded) {
        String re = "'" + lora.targetRegex() + "' ";
        Predicate<String> inScope = m -> lora.visionTower() || !isVision(m);
        if (linears.keySet().stream().anyMatch(m -> inScope.test(m) && hit.test(m))) {
            return re + "matches only layers exclude_modules " + lora.exclude().describe() + " excludes: no layer is"
                    + " left to adapt";
        }
        if (linears.keySet().stream().anyMatch(m -> hit.test(m) && !excluded.test(m))) {
            return re + frozenTower(model);
        }
        Layout other = lora.layout() == Layout.NESTED ? Layout.FLAT : Layout.NESTED;
        Pattern p = PythonRegex.compile(lora.targetRegex());
        boolean otherNames = linears.keySet().stream().anyMatch(m -> fullMatch(p, other.nameOf(m, own)));
        return re + "matches no linear layer of " + model + (lora.visionTower() ? "" : "'s language model")
                + ": a string is a regular expression that must match a module's whole name (PEFT's re.fullmatch),"
                + " as " + lora.layout().names + (otherNames ? "; it matches names as " + other.names
                + ", which are not the ones matched here" : "")
                + (lora.targetRegex().matches("[A-Za-z0-9_.]+") ? "; to match modules by name or dotted suffix, give"
                + " a list: [" + lora.targetRegex() + "]" : "");
    }

    private static String frozenTower(String model) {
        return "is a vision-tower module of " + model + ", and the adapters sit on the language model only"
                + " (freeze_vision_modules: true); set freeze_vision_modules: false to adapt the vision tower";
    }

    /**
     * Whether PEFT's {@code names} matches a module (named in layout {@code own}): a list entry by name or dotted
     * suffix under either layout, an expression by {@code re.fullmatch} of the name as {@code layout} gives it.
     */
    static Predicate<String> matcher(ModuleNames names, Layout layout, Layout own) {
        if (names.regex() != null) {
            Pattern p = PythonRegex.compile(names.regex());
            return m -> {
                String n = layout.nameOf(m, own);
                return !n.isEmpty() && fullMatch(p, n);
            };
        }
        return m -> names.names().stream().anyMatch(t -> !t.equals(LoraConfig.ALL_LINEAR_KEY) && matches(t, m));
    }

    /** {@link PythonRegex#fullMatch}, a pattern that takes too long one error from the setting. */
    private static boolean fullMatch(Pattern p, String name) {
        try {
            return PythonRegex.fullMatch(p, name);
        } catch (IllegalArgumentException tooSlow) {
            throw new BadInputException(SETTING, tooSlow.getMessage());
        }
    }

        /** The model's modules that are not linear layers here: their containers, the other weights' modules, lm_head. */
    private static Set<String> otherModules(Set<String> linears, Collection<String> tensors) {
        Set<String> out = new java.util.LinkedHashSet<>();
        out.add("lm_head");
        for (String t : tensors) {
            int dot = t.lastIndexOf('.');
            if (dot > 0 && !linears.contains(t.substring(0, dot))) {
                out.add(t.substring(0, dot));
            }
        }
        for (String m : linears) {
            for (int dot = m.indexOf('.'); dot > 0; dot = m.indexOf('.', dot + 1)) {
                out.add(m.substring(0, dot));
            }
        }
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
