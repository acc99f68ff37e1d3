package org.visualrft.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelFamily;
import org.visualrft.model.policy.Policy;

/**
 * The {@code qwen2_5_vl} and {@code qwen3_vl} families for the model registry; options from a training config
 * ({@link LoadOptions}) or, when none is given, from system properties.
 */
public final class QwenVlFamily implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of(QwenVlConfig.Family.QWEN2_5_VL.modelType, QwenVlConfig.Family.QWEN3_VL.modelType);
    }

    @Override
    public Policy load(Path dir, JsonNode json) {
        QwenVlConfig c = QwenVlConfig.load(dir.resolve("config.json"));
        return QwenVlPolicy.load(dir, QwenVlPolicy.Options.fromSystemProperties(c));
    }

    @Override
    public Policy load(Path dir, JsonNode json, org.visualrft.model.tensor.Device device) {
        QwenVlConfig c = QwenVlConfig.load(dir.resolve("config.json"));
        return QwenVlPolicy.load(dir, QwenVlPolicy.Options.fromSystemProperties(c).on(device));
    }

    @Override
    public Policy load(Path dir, JsonNode json, LoadOptions options) {
        QwenVlConfig c = QwenVlConfig.load(dir.resolve("config.json"));
        return QwenVlPolicy.load(dir, QwenVlPolicy.Options.of(c, options));
    }
}
