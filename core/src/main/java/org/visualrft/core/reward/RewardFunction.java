package org.visualrft.core.reward;

/**
 * A verifiable reward: the decoded completion and its sample in, a finite number out. Implementations never throw on
 * model text (unparsable text scores 0) and are safe to call from several threads.
 *
 * <pre>{@code
 * RewardSet rewards = RewardRegistry.defaults(Task.DETECTION, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);
 * RewardBreakdown r = rewards.score(completionText, RewardSample.of(solution));
 * double total = r.total();            // the weighted sum GRPO uses
 * Map<String, Double> parts = r.values(); // per function, for logging ("rewards/iou", ...)
 * }</pre>
 */
public interface RewardFunction {
    /** The name used in the registry, in logs and in the CLI output ({@code iou}, {@code format}, ...). */
    String name();

    /** The reward of one completion for one sample. */
    double score(String completion, RewardSample sample);
}
