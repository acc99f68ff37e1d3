package org.visualrft.train.optim;

import org.visualrft.train.config.ScheduleType;

/**
 * The learning rate of optimiser step {@code s} (0-based), as Hugging Face's schedules compute it: linear warm-up
 * from 0 over {@code warmup} steps, then constant, linear decay to 0 at {@code total}, or half a cosine to 0.
 * A pure function of the step, so resuming needs only the step number.
 */
public record LrSchedule(ScheduleType type, double peak, int warmup, int total) {

    public LrSchedule {
        if (total < 1 || warmup < 0) {
            throw new IllegalArgumentException("total " + total + ", warmup " + warmup);
        }
    }

    public double at(int step) {
        if (step < warmup) {
            return peak * step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return switch (type) {
            case CONSTANT -> peak;
            case LINEAR -> peak * Math.max(0.0, 1.0 - progress);
            case COSINE -> peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        };
    }
}
