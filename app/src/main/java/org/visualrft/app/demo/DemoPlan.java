package org.visualrft.app.demo;

import java.util.List;
import org.visualrft.core.world.EvalSizes;

/**
 * Everything the demo's size and settings depend on; {@link #full} and {@link #quick} are the two presets.
 *
 * @param mode            {@code full} or {@code quick}
 * @param seed            seeds the held-out sets, the k-shot draws and every run
 * @param evalSizes       sizes of the held-out sets
 * @param draws           k-shot draws per setting (the spread in the tables is over these)
 * @param clsShots        shots per hard class for the Table 2 rows
 * @param detShots        positive shots per few-shot category (Table 3); as many negative queries are added
 * @param ovShots         positive shots per base category for the open-vocabulary run (Table 7), one negative each
 * @param groundShots     grounding training scenes (Table 6)
 * @param sftSteps        SFT optimiser steps per run
 * @param grpoSteps       GRPO optimiser steps per run
 * @param sftLr           SFT learning rate (constant)
 * @param grpoLr          GRPO learning rate (constant)
 * @param sftBatch        SFT examples per step (at most the set size)
 * @param grpoPrompts     prompts per GRPO step
 * @param generations     G, samples per prompt
 * @param beta            KL coefficient
 * @param dynamicSampling drop zero-variance groups and refill (DAPO-style), reported as such
 * @param cotAblation     also run Visual-RFT without thinking on the largest classification shot count
 * @param passK           k of the base's pass@k
 * @param passSize        examples per target for pass@k
 * @param workers         runs in parallel (each on one thread)
 * @param only            setting ids to run (empty: all), for experiments ({@code --settings})
 */
public record DemoPlan(String mode, long seed, EvalSizes evalSizes, int draws, List<Integer> clsShots, int detShots,
        int ovShots, int groundShots, int sftSteps, int grpoSteps, double sftLr, double grpoLr, int sftBatch,
        int grpoPrompts, int generations, double beta, boolean dynamicSampling, boolean cotAblation, int passK,
        int passSize, int workers, List<String> only) {

    public DemoPlan {
        clsShots = List.copyOf(clsShots);
        only = List.copyOf(only);
    }

    public static DemoPlan full(long seed, int workers) {
        return new DemoPlan("full", seed, new EvalSizes(100, 12, 200, 72, 144, 200), 3, List.of(1, 2, 4), 2, 4, 16,
                100, 100, 5e-5, 5e-5, 8, 2, 8, 0.04, false, true, 8, 50, workers, List.of());
    }

    public static DemoPlan quick(long seed, int workers) {
        return new DemoPlan("quick", seed, new EvalSizes(12, 4, 24, 18, 18, 18), 1, List.of(1, 4), 2, 2, 8,
                6, 6, 5e-5, 5e-5, 4, 2, 4, 0.04, false, true, 4, 12, workers, List.of());
    }

    /** The plan with dynamic sampling on or off; turning it on is an experiment (the mode becomes custom). */
    public DemoPlan withDynamicSampling(boolean on) {
        return new DemoPlan(on != dynamicSampling ? custom(mode) : mode, seed, evalSizes, draws, clsShots, detShots, ovShots, groundShots, sftSteps,
                grpoSteps, sftLr, grpoLr, sftBatch, grpoPrompts, generations, beta, on, cotAblation, passK, passSize,
                workers, only);
    }

    /**
     * The plan with the experiment overrides of {@code visual-rft demo} applied; a null argument keeps the preset's
     * value. The mode becomes {@code custom} when anything is overridden, so a report never passes for a preset.
     */
    public DemoPlan withOverrides(Integer draws, Integer steps, Double sftLr, Double grpoLr, Double beta,
            Integer generations, Boolean cotAblation, List<String> only) {
        boolean changed = draws != null || steps != null || sftLr != null || grpoLr != null || beta != null
                || generations != null || cotAblation != null || (only != null && !only.isEmpty());
        return new DemoPlan(changed ? custom(mode) : mode, seed, evalSizes, draws != null ? draws : this.draws,
                clsShots, detShots, ovShots, groundShots, steps != null ? steps : sftSteps,
                steps != null ? steps : grpoSteps, sftLr != null ? sftLr : this.sftLr,
                grpoLr != null ? grpoLr : this.grpoLr, sftBatch, grpoPrompts,
                generations != null ? generations : this.generations, beta != null ? beta : this.beta,
                dynamicSampling, cotAblation != null ? cotAblation : this.cotAblation, passK, passSize, workers,
                only != null ? only : this.only);
    }

    private static String custom(String mode) {
        return mode.endsWith("+custom") ? mode : mode + "+custom";
    }
}
