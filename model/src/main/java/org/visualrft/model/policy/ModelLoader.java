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
 * Opens a model folder by the {@code model_type} in its {@code config.json}. Each model family registers a factory
 * once ({@code vrft-tiny} is built in; the Qwen2-VL package registers {@code qwen2_vl}).
 */
public final class ModelLoader {
    /** Builds a policy from a model folder whose config.json has already been read. */
    @FunctionalInterface
    public interface Factory {
        Policy load(Path dir, JsonNode config);
    }

    private static final Map<String, Factory> FACTORIES = new ConcurrentHashMap<>();

    static {
        FACTORIES.put("vrft-tiny", (dir, config) -> org.visualrft.model.tiny.TinyVlm.load(dir));
        // The Qwen2-VL package registers itself when present on the classpath; looked up by name to keep the
        // dependency one way (policy does not import qwen2vl).
        tryRegister("org.visualrft.model.qwen2vl.Qwen2VlRegistration");
    }

    private ModelLoader() {
    }

    private static void tryRegister(String className) {
        try {
            Class.forName(className, true, ModelLoader.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            // not built yet: that model type is simply unknown
        }
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
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new BadInputException(dir, "not a model folder (no config.json)");
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
        return f.load(dir, config);
    }
}
