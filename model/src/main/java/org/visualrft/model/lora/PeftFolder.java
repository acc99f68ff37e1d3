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
 * a model's adapters. What the adapters here cannot be — other PEFT methods, DoRA, biases, whole modules saved beside
 * the adapters, per-layer ranks, adapters on the vision tower — is refused naming the file, never dropped.
 */
public final class PeftFolder {
    private PeftFolder() {
    }

    /** The folder's LoRA settings: rank, alpha, targets ({@code all-linear} or a list), rsLoRA. */
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
        if (r == null || !r.canConvertToInt() || r.asInt() < 1) {
            throw new BadInputException(file, "\"r\" must be a positive integer, got " + r);
        }
        JsonNode alpha = c.get("lora_alpha");
        if (alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0)) {
            throw new BadInputException(file, "\"lora_alpha\" must be a positive number, got " + alpha);
        }
        JsonNode t = c.get("target_modules");
        Set<String> targets = new LinkedHashSet<>();
        if (t != null && t.isTextual() && t.asText().equals("all-linear")) {
            targets.addAll(LoraConfig.ALL_LINEAR);
        } else if (t != null && t.isArray() && !t.isEmpty()) {
            for (JsonNode m : t) {
                String name = m.asText();
                if (!LoraConfig.ALL_LINEAR.contains(name)) {
                    throw new BadInputException(file, "target module '" + name + "' is not a language-model projection"
                            + " (" + String.join(", ", LoraConfig.ALL_LINEAR) + "); adapters elsewhere, such as on the"
                            + " vision tower, are not supported");
                }
                targets.add(name);
            }
        } else {
            throw new BadInputException(file, "\"target_modules\" must be a list of module names or \"all-linear\","
                    + " got " + t);
        }
        return new LoraConfig(r.asInt(), alpha.asDouble(), Set.copyOf(targets), c.path("use_rslora").asBoolean(false));
    }

    /**
     * Copies the folder's A and B matrices into {@code adapters} (PEFT names to the model's adapter tensors, as its
     * trainable parameters with LoRA name them), each converted to the model's adapter dtype. Names match with or without
     * transformers 4.52+'s {@code language_model} segment. Every model adapter must be in the file and nothing else.
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
                if (n.contains(".visual.")) {
                    throw new BadInputException(file, name + " adapts the vision tower: adapters there are not"
                            + " supported");
                }
                Tensor into = byName.get(n);
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

    /** A name without transformers 4.52+'s {@code language_model} segment, so both layouts' names match. */
    private static String normal(String name) {
        return name.replace(".language_model.", ".");
    }

    private static void refuse(Path file, JsonNode c, String key, java.util.function.Predicate<JsonNode> bad,
            String why) {
        JsonNode n = c.get(key);
        if (n != null && bad.test(n)) {
            throw new BadInputException(file, key + " " + n + ": " + why);
        }
    }
}
