package org.visualrft.model.lora;

import java.util.List;
import java.util.Set;

/**
 * Which projections get a low-rank adapter and how large it is. {@code targets} are the module names PEFT uses
 * ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}, {@code gate_proj}, {@code up_proj}, {@code down_proj});
 * the adapter adds {@code (alpha / rank) · B A x} to the frozen projection ({@code alpha / sqrt(rank)} with
 * {@code rslora}, PEFT's rank-stabilised scale), with B initialised to zero so a new adapter leaves the model
 * unchanged.
 */
public record LoraConfig(int rank, double alpha, Set<String> targets, boolean rslora) {
    /** Attention and MLP projections of every decoder layer, as the issue asks. */
    public static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        }
        for (String t : targets) {
            if (!ALL_LINEAR.contains(t)) {
                throw new IllegalArgumentException("unknown LoRA target \"" + t + "\"; known: " + ALL_LINEAR);
            }
        }
        targets = Set.copyOf(targets);
    }

    /** PEFT's default scale, alpha / rank. */
    public LoraConfig(int rank, double alpha, Set<String> targets) {
        this(rank, alpha, targets, false);
    }

    public static LoraConfig allLinear(int rank, double alpha) {
        return new LoraConfig(rank, alpha, Set.copyOf(ALL_LINEAR));
    }

    /** What B A x is multiplied by: alpha / rank, or alpha / sqrt(rank) with rank-stabilised LoRA. */
    public double scale() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
