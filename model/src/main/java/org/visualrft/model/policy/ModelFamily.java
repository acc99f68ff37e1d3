package org.visualrft.model.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;

/**
 * A model family: the {@code model_type} values it opens and how. Families are found with {@link java.util.ServiceLoader}
 * (each lists its class in {@code META-INF/services/org.visualrft.model.policy.ModelFamily}), so {@link ModelLoader}
 * names none of them and the package dependencies stay one way. Adding a family: implement this, list it there.
 */
public interface ModelFamily {
    /** The config.json {@code model_type} values this family opens, e.g. {@code qwen2_5_vl}. */
    Set<String> modelTypes();

    /** Opens the folder {@code dir} whose config.json has been read into {@code config}. */
    Policy load(Path dir, JsonNode config);

    /**
     * Opens it with the weights on {@code device}. Families that run only on the CPU keep this default, which says so
     * in one line for any other device.
     */
    default Policy load(Path dir, JsonNode config, org.visualrft.model.tensor.Device device) {
        if (!device.isCpu()) {
            throw new org.visualrft.core.BadInputException(dir.resolve("config.json"), "model_type "
                    + String.join("/", new java.util.TreeSet<>(modelTypes())) + " runs on the CPU only here, not on "
                    + device + " (on a GPU: vrft-tiny, qwen2_vl, qwen2_5_vl, qwen3_vl; docs/gpu.md)");
        }
        return load(dir, config);
    }

    /**
     * Opens it as {@code options} ask (a training config's device, torch_dtype and LoRA settings). Families without
     * adapters or a dtype choice keep this default, which refuses those settings in one line.
     */
    default Policy load(Path dir, JsonNode config, LoadOptions options) {
        options.requireNoAdapters(dir, String.join("/", new java.util.TreeSet<>(modelTypes())), null);
        options.requireNoFrozenVision(dir, String.join("/", new java.util.TreeSet<>(modelTypes())));
        return load(dir, config, options.device());
    }
}
