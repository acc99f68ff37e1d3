package org.visualrft.train.data;

import java.lang.ref.SoftReference;
import java.util.Objects;
import java.util.function.Supplier;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Prompt;

/**
 * One training record as the trainers see it: what the policy is asked, what the rewards check against, and (for SFT
 * with a thinking part) the reasoning text. The prompt may be made on demand ({@link #lazy}), so a large dataset
 * keeps only its text in memory and decodes an image when a step asks for it (held softly for the step's repeated
 * use, given back when memory runs short).
 */
public final class TrainingExample {
    private final String id;
    private final Supplier<Prompt> source;
    private final RewardSample reward;
    private final String thinking;
    private volatile SoftReference<Prompt> cached = new SoftReference<>(null);

    /**
     * @param id a stable name for logs
     * @param prompt image and problem text
     * @param reward solution, task, image size and extra columns, as the reward functions read them
     * @param thinking the thinking part of an SFT target ({@code <think>…</think>} content), or null
     */
    public TrainingExample(String id, Prompt prompt, RewardSample reward, String thinking) {
        this(id, fixed(Objects.requireNonNull(prompt, "prompt")), reward, thinking);
        cached = new SoftReference<>(prompt);
    }

    private TrainingExample(String id, Supplier<Prompt> source, RewardSample reward, String thinking) {
        this.id = Objects.requireNonNull(id, "id");
        this.source = Objects.requireNonNull(source, "prompt");
        this.reward = Objects.requireNonNull(reward, "reward");
        this.thinking = thinking;
        if (reward.task() == null) {
            throw new IllegalArgumentException("example " + id + " has no task");
        }
    }

    /** An example whose prompt (image decoding included) is made when first asked for. */
    public static TrainingExample lazy(String id, Supplier<Prompt> prompt, RewardSample reward, String thinking) {
        return new TrainingExample(id, prompt, reward, thinking);
    }

    private static Supplier<Prompt> fixed(Prompt p) {
        return () -> p;
    }

    /**
     * This example asked with {@code edit} applied to its question (e.g. the evaluation scripts' {@code <image>}
     * line before it); the image is still made on demand, and the reward side is the same.
     */
    public TrainingExample withQuestion(java.util.function.UnaryOperator<String> edit) {
        return withPrompt(p -> new Prompt(p.image(), edit.apply(p.text()), p.system()));
    }

    /** This example asked after the system message {@code system} (null: none); otherwise the same. */
    public TrainingExample withSystem(String system) {
        return withPrompt(p -> p.withSystem(system));
    }

    private TrainingExample withPrompt(java.util.function.UnaryOperator<Prompt> edit) {
        Supplier<Prompt> from = source;
        return new TrainingExample(id, () -> edit.apply(from.get()), reward, thinking);
    }

    public String id() {
        return id;
    }

    /** The prompt, made now if it is not held (a bad image is a BadInputException naming file and row). */
    public Prompt prompt() {
        Prompt p = cached.get();
        if (p == null) {
            p = source.get();
            cached = new SoftReference<>(p);
        }
        return p;
    }

    public RewardSample reward() {
        return reward;
    }

    public String thinking() {
        return thinking;
    }

    public Task task() {
        return reward.task();
    }

    public String solution() {
        return reward.solution();
    }

    @Override
    public String toString() {
        return "TrainingExample[" + id + ", " + reward.task().id() + "]";
    }
}
