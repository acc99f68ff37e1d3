package org.visualrft.train.config;

import java.util.List;
import java.util.Locale;

/**
 * TRL's {@code importance_sampling_level}: the ratio of the new policy to the sampling one per token (GRPO), or one per
 * completion, the exponential of its tokens' mean log-ratio (GSPO, Zheng et al. 2025), shared by its tokens.
 */
public enum ImportanceSampling {
    TOKEN,
    SEQUENCE;

    static final List<String> NAMES = List.of("token", "sequence");

    static ImportanceSampling parse(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
