package org.visualrft.model.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Tensor;

/**
 * LoRA adapters in PEFT's layout, the files {@code PeftModel.from_pretrained} reads from a folder:
 * {@code adapter_model.safetensors} (the A and B matrices under PEFT's names, bit-exact in their own dtype) and
 * {@code adapter_config.json} (rank, alpha, target and excluded modules, the base model). Each file is written under a
 * temporary name and renamed.
 */
public final class PeftAdapter {
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String CONFIG = "adapter_config.json";

    private PeftAdapter() {
    }

    /**
     * Writes {@code adapters} (PEFT names to tensors, detached) and their config into {@code dir}. Where {@code lora}
     * holds a regular expression the tensors are named in its {@link LoraConfig#layout()}, the names it was matched
     * against: the layout a folder's weights have is the one {@link PeftFolder} matches its expressions in.
     */
    public static void write(Path dir, Map<String, Tensor> adapters, LoraConfig lora, Path baseModel) {
        try {
            Files.createDirectories(dir);
            Map<String, Tensor> named = adapters;
            if (lora.layout() != null) {
                String p = "base_model.model.";
                LoraTargets.Layout own = LoraTargets.Layout.of(adapters.keySet().stream()
                        .map(n -> n.startsWith(p) ? n.substring(p.length()) : n).toList());
                named = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : adapters.entrySet()) {
                    String n = e.getKey();
                    named.put(n.startsWith(p) ? p + lora.layout().nameOf(n.substring(p.length()), own) : n, e.getValue());
                }
            }
            SafeTensorsWriter.write(dir.resolve(WEIGHTS), named, Map.of("format", "pt"));
            ObjectMapper json = new ObjectMapper();
            ObjectNode cfg = json.createObjectNode();
            cfg.put("peft_type", "LORA");
            cfg.put("task_type", "CAUSAL_LM");
            cfg.put("r", lora.rank());
            cfg.put("lora_alpha", lora.alpha());
            cfg.put("lora_dropout", 0.0);
            cfg.put("use_rslora", lora.rslora());
            cfg.put("bias", "none");
            cfg.put("base_model_name_or_path", baseModel.toAbsolutePath().toString());
            // PEFT matches these over the whole model, the vision tower included (tuners_utils.check_target_module_exists;
            // layers_pattern only acts with layers_to_transform): adapters on the language model only may get B = 0
            // companions on a tower layer of the same name when PEFT loads them, which change nothing
            if (lora.targetRegex() != null) {
                cfg.put("target_modules", lora.targetRegex());
            } else if (lora.targets().equals(java.util.Set.of(LoraConfig.ALL_LINEAR_KEY))) {
                cfg.put("target_modules", LoraConfig.ALL_LINEAR_KEY);
            } else {
                var targets = cfg.putArray("target_modules");
                lora.targets().stream().sorted().forEach(targets::add);
            }
            if (lora.exclude().regex() != null) {
                cfg.put("exclude_modules", lora.exclude().regex());
            } else if (!lora.exclude().isEmpty()) {
                var exclude = cfg.putArray("exclude_modules");
                lora.exclude().names().stream().sorted().forEach(exclude::add);
            }
            AtomicFile.writeBytes(dir.resolve(CONFIG), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save adapter to " + dir + ": " + e.getMessage(), e);
        }
    }
}
