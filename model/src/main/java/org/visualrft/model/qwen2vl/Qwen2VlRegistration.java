package org.visualrft.model.qwen2vl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelFamily;
import org.visualrft.model.policy.Policy;

/**
 * The {@code qwen2_vl} family for the {@link org.visualrft.model.policy.ModelLoader} registry. Options come from a
 * training config ({@link LoadOptions}) or, when none is given, from system properties: see
 * {@link Qwen2VLPolicy.Options#fromSystemProperties}.
 */
public final class Qwen2VlRegistration implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of("qwen2_vl");
    }

    @Override
    public Policy load(Path dir, JsonNode json) {
        Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
        return Qwen2VLPolicy.load(dir, Qwen2VLPolicy.Options.fromSystemProperties(c));
    }

    @Override
    public Policy load(Path dir, JsonNode json, org.visualrft.model.tensor.Device device) {
        Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
        return Qwen2VLPolicy.load(dir, Qwen2VLPolicy.Options.fromSystemProperties(c).on(device));
    }

    @Override
    public Policy load(Path dir, JsonNode json, LoadOptions options) {
        Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
        return Qwen2VLPolicy.load(dir, Qwen2VLPolicy.Options.of(c.torchDtype(), options));
    }
}
