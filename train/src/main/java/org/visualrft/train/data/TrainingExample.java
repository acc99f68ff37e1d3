package org.visualrft.train.data;

import java.util.Objects;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Prompt;

/**
 * One training record as the trainers see it: what the policy is asked, what the rewards check against, and (for SFT
 * with a thinking part) the reasoning text.
 *
 * @param id a stable name for logs
 * @param prompt image and problem text
 * @param reward solution, task, image size and extra columns, as the reward functions read them
 * @param thinking the thinking part of an SFT target ({@code <think>…</think>} content), or null
 */
public record TrainingExample(String id, Prompt prompt, RewardSample reward, String thinking) {
    public TrainingExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(reward, "reward");
        if (reward.task() == null) {
            throw new IllegalArgumentException("example " + id + " has no task");
        }
    }

    public Task task() {
        return reward.task();
    }

    public String solution() {
        return reward.solution();
    }
}
