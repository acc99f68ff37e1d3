package org.visualrft.app.demo;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;

/**
 * Settings of {@code visual-rft pretrain}: supervised training of the built-in model from scratch on the world's
 * mixed task stream.
 *
 * @param out          the model folder to write (config.json, model.safetensors, tokenizer.json)
 * @param seed         seeds the weights and the data stream
 * @param steps        optimiser steps
 * @param decaySteps   the last this many steps decay the learning rate linearly to 10% of the peak (warm-up,
 *                     constant, decay: a run cut short by time can still end on a decayed model, reproducibly)
 * @param maxMinutes   time budget (0 = none): when 85% of it has passed, the run fixes its length to the current step
 *                     plus a decay phase and prints the {@code --steps}/{@code --decay-steps} that reproduce it
 * @param clsPerStep   classification examples per step
 * @param detPerStep   detection examples per step
 * @param groundPerStep grounding examples per step
 * @param lr           peak learning rate (AdamW)
 * @param warmup       linear warm-up steps
 * @param cotShare     share of examples with chain of thought (the rest ask for an empty think)
 * @param evalEvery    evaluate and save every this many steps
 * @param evalSize     examples per task in the monitoring evaluation
 * @param threads      libtorch intra-op threads
 */
public record PretrainConfig(Path out, long seed, int steps, int decaySteps, double maxMinutes, int clsPerStep, int detPerStep,
        int groundPerStep, double lr, int warmup, double cotShare, int evalEvery, int evalSize, int threads) {
    /** Final learning rate as a fraction of the peak. */
    public static final double MIN_LR_FRACTION = 0.1;

    public PretrainConfig {
        // each range as "in range" tests, so NaN (false for every comparison) is refused too
        check(steps >= 1, "--steps", "must be at least 1, got " + steps);
        check(decaySteps >= 0 && decaySteps <= steps, "--decay-steps", "must be between 0 and --steps (" + steps
                + "), got " + decaySteps);
        check(maxMinutes >= 0 && maxMinutes < Double.POSITIVE_INFINITY, "--minutes",
                "must be 0 (no budget) or a positive number, got " + maxMinutes);
        check(clsPerStep >= 0 && detPerStep >= 0 && groundPerStep >= 0
                && clsPerStep + detPerStep + groundPerStep > 0, "--cls/--det/--ground",
                "must be 0 or more, with at least one example per step, got " + clsPerStep + "/" + detPerStep + "/"
                        + groundPerStep);
        check(lr > 0 && lr < Double.POSITIVE_INFINITY, "--lr", "must be a positive number, got " + lr);
        check(warmup >= 0, "--warmup", "must be 0 or more, got " + warmup);
        check(cotShare >= 0 && cotShare <= 1, "--cot-share", "must be between 0 and 1, got " + cotShare);
        check(evalEvery >= 1, "--eval-every", "must be at least 1, got " + evalEvery);
        check(evalSize >= 1, "--eval-size", "must be at least 1, got " + evalSize);
        check(threads >= 1, "--threads", "must be at least 1, got " + threads);
    }

    private static void check(boolean ok, String option, String fault) {
        if (!ok) {
            throw new BadInputException(option, fault); // as --threads: "visual-rft pretrain: --lr: must be ..."
        }
    }

    /** The same run with its length fixed (used when the time budget fixes it). */
    public PretrainConfig withLength(int newSteps, int newDecay) {
        return new PretrainConfig(out, seed, newSteps, newDecay, 0, clsPerStep, detPerStep, groundPerStep, lr, warmup,
                cotShare, evalEvery, evalSize, threads);
    }

    /**
     * The run once {@code done} steps are done and 85% of the time budget has passed, with the budget spent: the
     * current step plus a decay of 15/85 of the steps so far (at least 20), when that ends the run sooner and its
     * decay phase has not begun; else the run as it is (a budget never lengthens a run, and a decay under way is not
     * restarted from the peak rate).
     */
    public PretrainConfig budgetReached(int done) {
        int decay = Math.max(20, (int) Math.round(done * 0.15 / 0.85));
        boolean decaying = decaySteps > 0 && done >= steps - decaySteps;
        return decaying || done + decay >= steps ? withLength(steps, decaySteps) : withLength(done + decay, decay);
    }

    /** Learning rate of (0-based) step {@code s}: linear warm-up, constant, linear decay to the minimum. */
    public double lrAt(int s) {
        if (s < warmup) {
            return lr * (s + 1) / (warmup + 1);
        }
        int decayStart = steps - decaySteps;
        if (s < decayStart || decaySteps == 0) {
            return lr;
        }
        double progress = Math.min(1.0, (double) (s - decayStart + 1) / decaySteps);
        return lr * (1 - (1 - MIN_LR_FRACTION) * progress);
    }
}
