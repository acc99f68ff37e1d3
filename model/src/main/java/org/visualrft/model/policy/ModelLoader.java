package org.visualrft.model.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.visualrft.core.BadInputException;

/**
 * Opens a model folder by the {@code model_type} in its {@code config.json}: the registry of {@link ModelFamily}s
 * found on the class path ({@code vrft-tiny}, {@code qwen2_vl}, {@code qwen2_5_vl}, {@code qwen3_vl}), plus any
 * factory {@link #register}ed at run time.
 */
public final class ModelLoader {
    /** Builds a policy from a model folder whose config.json has already been read. */
    @FunctionalInterface
    public interface Factory {
        Policy load(Path dir, JsonNode config);

        /** With the weights on {@code device}; a factory that does not say otherwise runs on the CPU only. */
        default Policy load(Path dir, JsonNode config, org.visualrft.model.tensor.Device device) {
            if (!device.isCpu()) {
                throw new org.visualrft.core.BadInputException(dir.resolve("config.json"), "model_type "
                        + config.path("model_type").asText() + " runs on the CPU only here, not on " + device);
            }
            return load(dir, config);
        }

        /** As {@code options} ask; a factory that does not say otherwise takes no LoRA or dtype setting. */
        default Policy load(Path dir, JsonNode config, LoadOptions options) {
            options.requireNoAdapters(dir, config.path("model_type").asText(), null);
            options.requireNoFrozenVision(dir, config.path("model_type").asText());
            return load(dir, config, options.device());
        }
    }

    private static final Map<String, Factory> FACTORIES = new ConcurrentHashMap<>();

    static {
        for (ModelFamily family : java.util.ServiceLoader.load(ModelFamily.class, ModelLoader.class.getClassLoader())) {
            for (String type : family.modelTypes()) {
                FACTORIES.put(type, new Factory() {
                    @Override
                    public Policy load(Path dir, JsonNode config) {
                        return family.load(dir, config);
                    }

                    @Override
                    public Policy load(Path dir, JsonNode config, org.visualrft.model.tensor.Device device) {
                        return family.load(dir, config, device);
                    }

                    @Override
                    public Policy load(Path dir, JsonNode config, LoadOptions options) {
                        return family.load(dir, config, options);
                    }
                });
            }
        }
    }

    private ModelLoader() {
    }

    /** Registers (or replaces) the factory for {@code modelType}. */
    public static void register(String modelType, Factory factory) {
        FACTORIES.put(modelType, factory);
    }

    /** Known model types, sorted. */
    public static java.util.Set<String> modelTypes() {
        return new TreeMap<>(FACTORIES).keySet();
    }

    /** Loads the policy in {@code dir}; a missing folder, config or unknown model type is a BadInputException. */
    public static Policy load(Path dir) {
        return load(dir, org.visualrft.model.tensor.Device.CPU);
    }

    /**
     * Loads the policy in {@code dir} with its weights on {@code device} and the family's defaults (for the Qwen
     * families these include the {@code vrft.dtype} and {@code vrft.lora.*} system properties); a device this machine
     * or build cannot use is one line (see {@link org.visualrft.model.tensor.Cuda#require}).
     */
    public static Policy load(Path dir, org.visualrft.model.tensor.Device device) {
        return load(dir, device, null);
    }

    /**
     * Loads the policy in {@code dir} exactly as {@code options} ask (no system property adds to them); a setting the
     * family cannot honour (LoRA on the built-in model) is a BadInputException naming it.
     */
    public static Policy load(Path dir, LoadOptions options) {
        return load(dir, options.device(), options);
    }

    /**
     * Opens {@code dir} as {@code options} ask with the LoRA adapters of PEFT folder {@code adapter} on top
     * ({@link org.visualrft.model.lora.PeftFolder}: its config decides rank, alpha and targets; its A and B matrices
     * replace fresh ones). A family without adapters refuses in one line.
     */
    public static Policy load(Path dir, LoadOptions options, Path adapter) {
        Policy p;
        try {
            p = load(dir, options.withLora(org.visualrft.model.lora.PeftFolder.config(adapter)));
        } catch (BadInputException e) {
            if (!org.visualrft.model.lora.LoraTargets.SETTING.equals(e.source())) {
                throw e;
            }
            // a target of the folder's config that matches nothing in this model
            throw new BadInputException(adapter.resolve(org.visualrft.model.lora.PeftAdapter.CONFIG),
                    "target_modules: " + e.fault() + " (an adapter for another model?)", e);
        }
        try {
            java.util.Map<String, org.visualrft.model.tensor.Tensor> adapters = new java.util.LinkedHashMap<>();
            p.trainableParameters().forEach(q -> adapters.put(q.name(), q.value()));
            org.visualrft.model.lora.PeftFolder.load(adapter, adapters);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** For a folder without config.json that users often give instead of a model folder: where the model is. */
    private static String whatItIs(Path dir) {
        if (Files.isRegularFile(dir.resolve("model").resolve("config.json"))) {
            return "; it is a training checkpoint: its model is " + dir.resolve("model");
        }
        if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
            return "; it holds LoRA adapters (adapter_config.json), not a model: give the model folder they were"
                    + " trained on (a checkpoint's model/ folder has them merged in)";
        }
        try (var list = Files.list(dir)) {
            java.util.Optional<Path> last = list.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")
                    && Files.isRegularFile(p.resolve("model").resolve("config.json")))
                    .max(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString()
                            .substring("checkpoint-".length()))));
            if (last.isPresent()) {
                return "; it is a training run's output_dir: its latest model is " + last.get().resolve("model");
            }
        } catch (IOException | RuntimeException e) {
            // not listable (or not a folder): the plain message says enough
        }
        return "";
    }

    private static Policy load(Path dir, org.visualrft.model.tensor.Device device, LoadOptions options) {
        org.visualrft.model.tensor.Cuda.require(device);
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new BadInputException(dir, "not a model folder (no config.json)" + whatItIs(dir));
        }
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new BadInputException(configFile, "not valid JSON: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
        JsonNode type = config.get("model_type");
        if (type == null || !type.isTextual()) {
            throw new BadInputException(configFile, "no \"model_type\" string");
        }
        Factory f = FACTORIES.get(type.asText());
        if (f == null) {
            throw new BadInputException(configFile, "unknown model_type '" + type.asText() + "' (known: "
                    + modelTypes() + ")");
        }
        return options == null ? f.load(dir, config, device) : f.load(dir, config, options);
    }
}
