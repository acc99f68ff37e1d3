package org.visualrft.train.config;

/** How group rewards become advantages. */
public enum AdvantageMode {
    /** {@code (r - mean) / (unbiased std + 1e-4)} within the group (Visual-RFT; TRL {@code scale_rewards: true}). */
    STD("std"),
    /** {@code r - mean} (Dr. GRPO; TRL {@code scale_rewards: false}). */
    MEAN_ONLY("mean_only"),
    /**
     * {@code (r - group mean) / (unbiased std of all the step's rewards + 1e-4)}: TRL's {@code scale_rewards: batch}
     * (the group's mean, the whole batch's scale).
     */
    BATCH("batch");

    private final String yamlName;

    AdvantageMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }
}
