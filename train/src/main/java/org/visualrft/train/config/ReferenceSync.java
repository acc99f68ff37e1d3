package org.visualrft.train.config;

/**
 * TRL's {@code sync_ref_model} (TR-DPO's reference update): every {@code syncSteps} optimiser updates the KL reference
 * moves toward the policy, {@code ref ← (1 − α)·ref + α·policy}.
 *
 * @param mixupAlpha α, {@code ref_model_mixup_alpha} (TRL's default 0.6)
 * @param syncSteps {@code ref_model_sync_steps}: optimiser updates between syncs (TRL's default 512), counted as the
 *                  learning-rate schedule counts them (num_iterations per step)
 */
public record ReferenceSync(double mixupAlpha, int syncSteps) {
    static final double DEFAULT_ALPHA = 0.6;
    static final int DEFAULT_STEPS = 512;

    /** Whether update {@code n} (1-based over the run) ends with a sync. */
    public boolean after(long n) {
        return n % syncSteps == 0;
    }
}
