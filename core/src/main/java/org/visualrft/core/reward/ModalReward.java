package org.visualrft.core.reward;

/**
 * A reward with two definitions, chosen by {@link RewardMode}: {@link #original} reproduces the Visual-RFT code's
 * exact values, {@link #strict} has its bugs fixed. Holds what every such reward carries: its name, mode and options.
 */
abstract class ModalReward implements RewardFunction {
    private final String name;
    private final RewardMode mode;
    final RewardOptions options;

    ModalReward(String name, RewardMode mode, RewardOptions options) {
        this.name = name;
        this.mode = mode;
        this.options = options;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final double score(String completion, RewardSample sample) {
        return mode == RewardMode.VISUAL_RFT ? original(completion, sample) : strict(completion, sample);
    }

    /** {@link RewardMode#VISUAL_RFT}: the original code's value, bugs included. */
    abstract double original(String completion, RewardSample sample);

    /** {@link RewardMode#STRICT}: the value with the original's bugs fixed. */
    abstract double strict(String completion, RewardSample sample);
}
