package org.visualrft.core;

/**
 * Upper bounds on user settings that size memory or threads, checked where the settings are read so that an
 * absurd value is one clear error naming the setting instead of an OutOfMemoryError, a hang or an overflowed shape.
 * They sit far above real use (Visual-RFT samples 8 per prompt; DAPO 16).
 */
public final class Limits {
    /** Samples per prompt (GRPO's num_generations, generate's --samples). */
    public static final int MAX_GENERATIONS = 1024;
    /** Tokens of one completion or prompt (max_completion_length, max_prompt_length, max_length, --max-new-tokens). */
    public static final int MAX_TOKENS = 131_072;
    /** Prompts per optimiser step (per_device_train_batch_size × gradient_accumulation_steps). */
    public static final int MAX_PROMPTS_PER_STEP = 1 << 20;

    private Limits() {
    }

    /** libtorch threads: at most the CPU cores this JVM may use (more only slows libtorch down). */
    public static int maxThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The fault for a thread count outside 1..{@link #maxThreads()}, or null when it is fine. */
    public static String threadsFault(int threads) {
        int max = maxThreads();
        if (threads < 1 || threads > max) {
            return "must be between 1 and " + max + " (the CPU cores available), got " + threads;
        }
        return null;
    }

    /** The fault for a samples-per-prompt count outside 1..{@link #MAX_GENERATIONS}, or null when it is fine. */
    public static String generationsFault(int g, int min) {
        if (g < min || g > MAX_GENERATIONS) {
            return "must be between " + min + " and " + MAX_GENERATIONS + ", got " + g;
        }
        return null;
    }
}
