package org.visualrft.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * A PEFT LoRA adapter folder as {@code PeftModel.save_pretrained} writes it (and this project's checkpoints keep
 * theirs): {@code adapter_config.json} read into a {@link LoraConfig}, and {@code adapter_model.safetensors} copied into
 * a model's adapters, on the language model and the vision tower alike. What the adapters here cannot be — other PEFT
 * methods, DoRA, biases, whole modules saved beside the adapters, per-layer ranks, a regular expression that Java
 * cannot match as Python does ({@link PythonRegex}) — is refused naming the file, never dropped.
 * {@code target_modules} and {@code exclude_modules} select the layers as PEFT selects them, lists or regular
 * expressions; the weights must be exactly those layers' ({@link #load}).
 */
public final class PeftFolder {
    private PeftFolder() {
    }

    /**
     * The folder's LoRA settings: rank, alpha, targets ({@code all-linear}, a list of module names or a regular
     * expression, matched as PEFT matches them), the modules excluded, rsLoRA, and whether they reach into the vision
     * tower (its weights file adapts some of its layers). An expression is matched against the module names in the
     * layout the weights file's names have (those of the model PEFT wrapped when it trained them).
     */
    public static LoraConfig config(Path dir) {
        Path file = dir.resolve(PeftAdapter.CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "missing: not a PEFT adapter folder");
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + JsonErrors.describe(e), e);
        }
        if (c == null || !c.isObject()) {
            throw new BadInputException(file, "is not a JSON object");
        }
        if (!c.path("peft_type").asText("").equals("LORA")) {
            throw new BadInputException(file, "peft_type is " + c.path("peft_type") + "; only LORA adapters load");
        }
        refuse(file, c, "use_dora", n -> n.asBoolean(false), "DoRA adapters are not supported");
        refuse(file, c, "bias", n -> !n.isNull() && !n.asText("none").equals("none"), "trained biases are not supported"
                + " (bias must be none)");
        refuse(file, c, "modules_to_save", n -> n.isArray() && !n.isEmpty(), "whole modules saved beside the adapters"
                + " are not supported");
        refuse(file, c, "layers_to_transform", n -> !n.isNull(), "adapters on some layers only are not supported");
        refuse(file, c, "rank_pattern", n -> n.isObject() && !n.isEmpty(), "per-module ranks are not supported");
        refuse(file, c, "alpha_pattern", n -> n.isObject() && !n.isEmpty(), "per-module alphas are not supported");
        JsonNode r = c.get("r");
        if (r == null || !r.isIntegralNumber() || !r.canConvertToInt() || r.asInt() < 1) {
            throw new BadInputException(file, "\"r\" must be a positive integer, got " + r);
        }
        JsonNode alpha = c.get("lora_alpha");
        if (alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0) || Double.isInfinite(alpha.asDouble())) {
            throw new BadInputException(file, "\"lora_alpha\" must be a positive number, got " + alpha);
        }
        refuse(file, c, "use_rslora", n -> !n.isNull() && !n.isBoolean(), "must be true or false");
        requireRank(dir.resolve(PeftAdapter.WEIGHTS), r.asInt(), file);
        refuse(file, c, "target_parameters", n -> n.isArray() && !n.isEmpty(), "adapters on parameters are not"
                + " supported");
        ModuleNames exclude = modules(file, c.get("exclude_modules"), "exclude_modules");
        JsonNode t = c.get("target_modules");
        Set<String> targets = new LinkedHashSet<>();
        String regex = null;
        if (t != null && t.isTextual() && t.asText().equalsIgnoreCase(LoraConfig.ALL_LINEAR_KEY)) {
            targets.add(LoraConfig.ALL_LINEAR_KEY);
        } else if (t != null && t.isTextual() && !t.asText().isEmpty()) {
            regex = modules(file, t, "target_modules").regex();
        } else if (t != null && t.isArray() && !t.isEmpty()) {
            targets.addAll(modules(file, t, "target_modules").names());
        } else {
            throw new BadInputException(file, "\"target_modules\" must be a list of module names, a regular expression"
                    + " or \"all-linear\", got " + t);
        }
        // PEFT matches the targets over the whole model, the vision tower included; where it adapted none of the
        // tower's layers (the file holds none) they are matched over the language model only, as this project's
        // language-model adapters were always read
        Set<String> modules = adapted(dir.resolve(PeftAdapter.WEIGHTS));
        boolean vision = modules.stream().anyMatch(LoraTargets::isVision);
        if (!vision && regex == null) {
            // a target only the tower has (its tensors absent: PEFT left it at B = 0, no change) is dropped
            targets.removeIf(n -> !n.equals(LoraConfig.ALL_LINEAR_KEY)
                    && !LoraConfig.ALL_LINEAR.contains(n.substring(n.lastIndexOf('.') + 1)));
            if (targets.isEmpty()) {
                throw new BadInputException(file, "target_modules " + t + " name no language-model projection ("
                        + String.join(", ", LoraConfig.ALL_LINEAR) + ") and the weights adapt no vision-tower layer");
            }
        }
        // an expression matched the names of the model PEFT wrapped: the weights' names say which layout that was
        LoraTargets.Layout layout = regex != null || exclude.regex() != null ? LoraTargets.Layout.of(modules) : null;
        try {
            return new LoraConfig(r.asInt(), alpha.asDouble(), Set.copyOf(targets), regex, exclude, layout,
                    c.path("use_rslora").asBoolean(false), vision);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "target_modules: " + e.getMessage());
        }
    }

    /** PEFT's list or string of module names under {@code key}; an expression Java cannot match alike is refused. */
    private static ModuleNames modules(Path file, JsonNode n, String key) {
        if (n == null || n.isNull()) {
            return ModuleNames.NONE;
        }
        try {
            if (n.isTextual()) {
                return ModuleNames.regex(n.asText());
            }
            if (n.isArray()) {
                Set<String> names = new LinkedHashSet<>();
                for (JsonNode m : n) {
                    if (!m.isTextual()) {
                        throw new BadInputException(file, key + " must list module names, got " + m + " in it");
                    }
                    names.add(m.asText());
                }
                return ModuleNames.list(names);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, key + " " + e.getMessage());
        }
        throw new BadInputException(file, key + " must be a list of module names or a regular expression, got " + n);
    }

    /**
     * The weights' rank must be {@code r}: the adapters are made r wide before the weights are read, and a wrong r (a
     * hostile 10^9) would try to allocate that much. Only the header is read.
     */
    private static void requireRank(Path weights, int r, Path configFile) {
        if (!Files.isRegularFile(weights)) {
            return; // load() reports it
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(weights)) {
            f.entries().forEach((name, e) -> {
                long[] shape = e.shape();
                int side = name.contains(".lora_A.") ? 0 : name.contains(".lora_B.") ? 1 : -1;
                if (side >= 0 && shape.length == 2 && shape[side] != r) {
                    throw new BadInputException(configFile, "\"r\" is " + r + ", but " + weights.getFileName()
                            + " holds adapters of rank " + shape[side] + " (" + name + " is "
                            + Arrays.toString(shape) + ")");
                }
            });
        }
    }

    /**
     * The modules the weights file (if there) adapts, by name without PEFT's {@code base_model.model.} (in the layout
     * it was saved under); only its header is read.
     */
    private static Set<String> adapted(Path weights) {
        if (!Files.isRegularFile(weights)) {
            return Set.of(); // load() reports it
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(weights)) {
            String prefix = "base_model.model.";
            Set<String> out = new LinkedHashSet<>();
            for (String n : f.entries().keySet()) {
                if (n.startsWith(prefix) && n.contains(".lora_")) {
                    out.add(n.substring(prefix.length(), n.lastIndexOf(".lora_")));
                }
            }
            return out;
        }
    }

    /**
     * Copies the folder's A and B matrices into {@code adapters} (PEFT names to the model's adapter tensors, as its
     * trainable parameters with LoRA name them), each converted to the model's adapter dtype. Names match with or without
     * transformers 4.52+'s {@code language_model} segment (and {@code model.visual} for {@code visual}). Every model
     * adapter must be in the file and nothing else.
     */
    public static void load(Path dir, Map<String, Tensor> adapters) {
        Path file = dir.resolve(PeftAdapter.WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "missing" + (Files.isRegularFile(dir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin is a pickle, which is not read: save with safe_serialization=True)" : ""));
        }
        Map<String, Tensor> byName = new LinkedHashMap<>();
        adapters.forEach((n, v) -> byName.put(normal(n), v));
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Set<String> seen = new TreeSet<>();
            for (String name : f.entries().keySet()) {
                String n = normal(name);
                Tensor into = byName.get(n);
                if (into == null && n.contains(".lm_head.")) {
                    throw new BadInputException(file, name + " adapts lm_head (as VLM-R1's LoRA targets do): adapters"
                            + " there are not supported");
                }
                if (into == null) {
                    throw new BadInputException(file, name + " is not an adapter of this model (another base model,"
                            + " or other lora_r / target modules?)");
                }
                long[] shape = f.entries().get(name).shape();
                if (!Arrays.equals(shape, into.shape())) {
                    throw new BadInputException(file, name + " is " + f.entries().get(name).dtype() + " "
                            + Arrays.toString(shape) + ", the model's is " + into.dtype() + " "
                            + Arrays.toString(into.shape()) + " (another lora_r or base model?)");
                }
                seen.add(n);
            }
            Set<String> missing = new TreeSet<>(byName.keySet());
            missing.removeAll(seen);
            if (!missing.isEmpty()) {
                throw new BadInputException(file, "has no " + missing.iterator().next() + (missing.size() > 1
                        ? " (and " + (missing.size() - 1) + " more)" : "") + ", an adapter the model has");
            }
            for (String name : f.entries().keySet()) { // one tensor of the file in memory at a time
                try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                    Tensor into = byName.get(normal(name));
                    into.copy_(f.read(name).to(into.dtype()));
                }
            }
        }
    }

    /**
     * A name in the hub files' layout (transformers before 4.52: {@code model.layers.…}, {@code visual.…}), so both
     * layouts' names match.
     */
    private static String normal(String name) {
        return name.replace(".language_model.", ".").replace("base_model.model.model.visual.", "base_model.model.visual.");
    }

    private static void refuse(Path file, JsonNode c, String key, java.util.function.Predicate<JsonNode> bad,
            String why) {
        JsonNode n = c.get(key);
        if (n != null && bad.test(n)) {
            throw new BadInputException(file, key + " " + n + ": " + why);
        }
    }
}
