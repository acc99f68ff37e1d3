package org.visualrft.core.reward;

/**
 * A user's reward function, found by name: list the implementing class in
 * {@code META-INF/services/org.visualrft.core.reward.RewardProvider} of a jar on the class path and its
 * {@link #name()} can be used wherever a built-in name can ({@code reward_funcs:} in a training config, {@code
 * --rewards} of {@code visual-rft reward}). As TRL lets any callable be a reward.
 *
 * <pre>{@code
 * public final class LengthPenaltyProvider implements RewardProvider {
 *     public String name() { return "length_penalty"; }
 *     public RewardFunction create(RewardMode mode, RewardOptions options) {
 *         return new RewardFunction() {
 *             public String name() { return "length_penalty"; }
 *             public double score(String completion, RewardSample sample) {
 *                 return completion.length() <= 400 ? 1.0 : 0.0;
 *             }
 *         };
 *     }
 * }
 * }</pre>
 */
public interface RewardProvider {
    /** The registry name; must equal the {@link RewardFunction#name()} of what {@link #create} returns. */
    String name();

    /** A new function for the run's mode and options (a function may ignore both). */
    RewardFunction create(RewardMode mode, RewardOptions options);
}
