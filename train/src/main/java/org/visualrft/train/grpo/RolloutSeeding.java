package org.visualrft.train.grpo;

/** Where each prompt's sampling generator comes from. */
public enum RolloutSeeding {
    /**
     * One generator per step ({@code Seeds.forStep}), consumed prompt after prompt: one process only. Kept because
     * the shipped demo's reference results were made with it.
     */
    STEP_STREAM,
    /**
     * One generator per prompt from the seed, the step and the prompt's global index in the step
     * ({@code Seeds.forPrompt}): N ranks sample exactly what one process samples with the whole batch.
     */
    PER_PROMPT
}
