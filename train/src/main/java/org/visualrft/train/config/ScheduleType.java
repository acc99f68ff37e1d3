package org.visualrft.train.config;

/** Learning-rate schedule after the warm-up (HF {@code lr_scheduler_type}). */
public enum ScheduleType {
    CONSTANT, LINEAR, COSINE;

    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
