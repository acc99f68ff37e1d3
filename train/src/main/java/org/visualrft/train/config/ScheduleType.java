package org.visualrft.train.config;

import java.util.List;
import java.util.Locale;

/** Hugging Face's {@code lr_scheduler_type}s that runs here take. */
public enum ScheduleType {
    /** The peak rate throughout; Hugging Face's {@code constant} has no warm-up (a warm-up is refused with it). */
    CONSTANT,
    /** Linear warm-up from 0, then the peak rate. */
    CONSTANT_WITH_WARMUP,
    /** Linear warm-up, then linear decay to 0. */
    LINEAR,
    /** Linear warm-up, then half a cosine to 0. */
    COSINE,
    /** Linear warm-up, then half a cosine to {@code min_lr_rate · peak} ({@code lr_scheduler_kwargs}). */
    COSINE_WITH_MIN_LR;

    static final List<String> NAMES = List.of("constant", "constant_with_warmup", "linear", "cosine",
            "cosine_with_min_lr");

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
