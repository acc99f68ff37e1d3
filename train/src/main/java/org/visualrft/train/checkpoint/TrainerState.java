package org.visualrft.train.checkpoint;

/**
 * Everything besides weights and optimiser moments that a resumed run needs to continue exactly: the step, the data
 * order's place, and counters. Random streams are derived from (seed, step), so the seed is their whole state.
 *
 * @param step optimiser steps completed (the next step to run)
 * @param epoch data-order epoch
 * @param position data-order position within the epoch
 * @param seed the run's seed (checked against the config on resume)
 * @param nanSkipped steps skipped for a non-finite loss or gradient so far
 * @param totalSteps the planned length of the run (the schedule's horizon)
 * @param best the best checkpoint so far by {@code metric_for_best_model}, or null (none asked, or none judged yet)
 * @param modelOnly the checkpoint holds no optimiser state ({@code save_only_model: true}): it cannot be resumed
 */
public record TrainerState(int step, int epoch, int position, long seed, int nanSkipped, int totalSteps,
        BestCheckpoint best, boolean modelOnly) {

    /** A full checkpoint's state without a best checkpoint. */
    public TrainerState(int step, int epoch, int position, long seed, int nanSkipped, int totalSteps) {
        this(step, epoch, position, seed, nanSkipped, totalSteps, null, false);
    }
}
