package org.visualrft.app.demo;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;

/**
 * Settings of {@code visual-rft pretrain}: supervised training of the built-in model from scratch on the world's
 * mixed task stream.
 *
 * @param out          the model folder to write (config.json, model.safetensors, tokenizer.json)
 * @param seed         seeds the weights and the data stream
 * @param steps        optimiser steps (the cosine schedule spans them)
 * @param maxMinutes   stop early after this much wall time (0 = no limit); the schedule is not shortened
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
public record PretrainConfig(Path out, long seed, int steps, double maxMinutes, int clsPerStep, int detPerStep,
        int groundPerStep, double lr, int warmup, double cotShare, int evalEvery, int evalSize, int threads) {
    /** Final learning rate as a fraction of the peak (cosine decay to it). */
    public static final double MIN_LR_FRACTION = 0.1;

    public PretrainConfig {
        if (steps < 1 || clsPerStep < 0 || detPerStep < 0 || groundPerStep < 0
                || clsPerStep + detPerStep + groundPerStep == 0) {
            throw new BadInputException("pretrain", "need at least one step and one example per step");
        }
        if (!(lr > 0) || warmup < 0 || cotShare < 0 || cotShare > 1 || evalEvery < 1 || evalSize < 1 || threads < 1
                || maxMinutes < 0) {
            throw new BadInputException("pretrain", "learning rate, warm-up, CoT share, eval interval, eval size, "
                    + "threads or time limit out of range");
        }
    }
}
