package org.visualrft.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import org.visualrft.model.policy.ModelFamily;
import org.visualrft.model.policy.Policy;

/** The built-in {@code vrft-tiny} family for the model registry. */
public final class TinyFamily implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of("vrft-tiny");
    }

    @Override
    public Policy load(Path dir, JsonNode config) {
        return TinyVlm.load(dir);
    }

    @Override
    public Policy load(Path dir, JsonNode config, org.visualrft.model.tensor.Device device) {
        return TinyVlm.load(dir, device);
    }

    /**
     * float32 only, and no adapters: the built-in model is small enough to train in full (its vision encoder too,
     * unless {@code freeze_vision_modules: true}).
     */
    @Override
    public Policy load(Path dir, JsonNode config, org.visualrft.model.policy.LoadOptions options) {
        options.requireNoAdapters(dir, "vrft-tiny", org.visualrft.model.tensor.DType.F32);
        TinyVlm model = TinyVlm.load(dir, options.device());
        return Boolean.TRUE.equals(options.freezeVision()) ? model.freezeVision() : model;
    }
}
