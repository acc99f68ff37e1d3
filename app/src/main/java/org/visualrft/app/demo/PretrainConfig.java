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
        if (steps < 1 || decaySteps < 0 || decaySteps > steps || clsPerStep < 0 || detPerStep < 0 || groundPerStep < 0
                || clsPerStep + detPerStep + groundPerStep == 0) {
            throw new BadInputException("pretrain", "need at least one step and one example per step");
        }
        if (!(lr > 0) || warmup < 0 || cotShare < 0 || cotShare > 1 || evalEvery < 1 || evalSize < 1 || threads < 1
                || maxMinutes < 0) {
            throw new BadInputException("pretrain", "learning rate, warm-up, CoT share, eval interval, eval size, "
                    + "threads or time limit out of range");
        }
    }

    /** The same run with its length fixed (used when the time budget fixes it). */
    public PretrainConfig withLength(int newSteps, int newDecay) {
        return new PretrainConfig(out, seed, newSteps, newDecay, 0, clsPerStep, detPerStep, groundPerStep, lr, warmup,
                cotShare, evalEvery, evalSize, threads);
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
