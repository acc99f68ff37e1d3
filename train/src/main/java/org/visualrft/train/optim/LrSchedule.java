package org.visualrft.train.optim;

import org.visualrft.train.config.ScheduleType;

/**
 * The learning rate of optimiser step {@code s} (0-based), as Hugging Face's schedules compute it: linear warm-up
 * from 0 over {@code warmup} steps, then constant, linear decay to 0 at {@code total}, half a cosine to 0, or half a
 * cosine to {@code minLrRate · peak}. A pure function of the step, so resuming needs only the step number.
 *
 * @param minLrRate {@link ScheduleType#COSINE_WITH_MIN_LR}'s floor as a fraction of the peak (0 for the others)
 */
public record LrSchedule(ScheduleType type, double peak, int warmup, int total, double minLrRate) {

    public LrSchedule {
        if (total < 1 || warmup < 0) {
            throw new IllegalArgumentException("total " + total + ", warmup " + warmup);
        }
        if (type == ScheduleType.CONSTANT && warmup > 0) {
            throw new IllegalArgumentException("the constant schedule has no warm-up; use constant_with_warmup");
        }
    }

    public LrSchedule(ScheduleType type, double peak, int warmup, int total) {
        this(type, peak, warmup, total, 0.0);
    }

    public double at(int step) {
        if (step < warmup) {
            return peak * step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return switch (type) {
            case CONSTANT, CONSTANT_WITH_WARMUP -> peak;
            case LINEAR -> peak * Math.max(0.0, 1.0 - progress);
            case COSINE -> peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            case COSINE_WITH_MIN_LR -> peak * Math.max(0.0,
                    0.5 * (1.0 + Math.cos(Math.PI * progress)) * (1.0 - minLrRate) + minLrRate);
        };
    }
}
