package org.visualrft.train.grpo;

import org.visualrft.train.config.AdvantageMode;

/**
 * Advantages of the G completions of one prompt: {@code (r - mean) / (std_unbiased + 1e-4)} (Visual-RFT, TRL 0.14) or
 * {@code r - mean} (Dr. GRPO); with {@link AdvantageMode#BATCH} {@code r - mean} here, divided by the step's scale
 * ({@link #batchScale}) once every group of the step is known. All in double; equal rewards give exactly 0.
 */
public final class GroupAdvantage {
    private GroupAdvantage() {
    }

    public static double[] of(double[] rewards, AdvantageMode mode, double stdEps) {
        int g = rewards.length;
        if (g < 2) {
            throw new IllegalArgumentException("a group needs at least 2 rewards, got " + g);
        }
        double mean = mean(rewards);
        double[] a = new double[g];
        double scale = mode == AdvantageMode.STD ? std(rewards, mean) + stdEps : 1.0; // BATCH: scaled later
        for (int i = 0; i < g; i++) {
            a[i] = (rewards[i] - mean) / scale;
        }
        return a;
    }

    /** {@code scale_rewards: batch}'s divisor: the unbiased std of every reward of the step, plus {@code stdEps}. */
    public static double batchScale(double[] allRewards, double stdEps) {
        if (allRewards.length < 2) {
            throw new IllegalArgumentException("a batch needs at least 2 rewards, got " + allRewards.length);
        }
        return std(allRewards, mean(allRewards)) + stdEps;
    }

    static double mean(double[] r) {
        double s = 0;
        for (double v : r) {
            s += v;
        }
        return s / r.length;
    }

    /** Unbiased (Bessel, divide by G-1) standard deviation, as {@code torch.std}. */
    public static double std(double[] r, double mean) {
        double ss = 0;
        for (double v : r) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (r.length - 1));
    }

    /** Whether the rewards of a group all equal the first (no learning signal from the policy term). */
    public static boolean isFlat(double[] rewards) {
        for (double v : rewards) {
            if (v != rewards[0]) {
                return false;
            }
        }
        return true;
    }
}
