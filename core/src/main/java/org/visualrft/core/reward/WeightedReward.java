package org.visualrft.core.reward;

/** A reward function with its weight in the sum (Visual-RFT uses 1 for every function). */
public record WeightedReward(RewardFunction function, double weight) {
    public WeightedReward {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight must be finite: " + weight);
        }
    }
}
