package org.visualrft.model.qwen2vl;

import org.visualrft.model.policy.ModelLoader;

/**
 * Registers {@code qwen2_vl} with the {@link ModelLoader} (which looks this class up by name, keeping the package
 * dependency one way). Options come from system properties: see {@link Qwen2VLPolicy.Options#fromSystemProperties}.
 */
public final class Qwen2VlRegistration {
    static {
        ModelLoader.register("qwen2_vl", (dir, json) -> {
            Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
            return Qwen2VLPolicy.load(dir, Qwen2VLPolicy.Options.fromSystemProperties(c));
        });
    }

    private Qwen2VlRegistration() {
    }
}
