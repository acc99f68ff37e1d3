package org.visualrft.model.policy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A vision-language model as training sees it: the built-in {@code vrft-tiny} and Qwen2-VL both implement it.
 *
 * <p>Memory: tensors returned by {@link #logProbs} belong to the caller's open
 * {@link org.visualrft.model.tensor.NativeScope} (open one per step). Parameters are owned by the policy and freed
 * by {@link #close()}.
 *
 * <p>Threads: a policy is used by one thread at a time.
 */
public interface Policy extends AutoCloseable {

    /** The {@code model_type} of its config.json, e.g. {@code vrft-tiny}. */
    String modelType();

    /**
     * Samples {@code g} completions of one prompt. The image is encoded once and the prompt prefilled once; the
     * {@code g} samples then decode together (one prefill plus g decodes). Every random choice draws from {@code rng},
     * so the same rng state gives the same rollouts. Runs without autograd.
     */
    List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng);

    /**
     * As {@link #generate(Prompt, int, SamplingParams, RandomGenerator)}, taking the prompt's image encoding from
     * {@code images} (encoding it there on first use) when this model's vision tower is frozen; the same samples either
     * way. A model whose vision tower trains ignores {@code images}; so does this default.
     */
    default List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng,
            VisionCache images) {
        return generate(prompt, g, params, rng);
    }

    /** {@link #generate(Prompt, int, SamplingParams, RandomGenerator)} for each prompt in turn, in order. */
    default List<List<Rollout>> generate(List<Prompt> prompts, int g, SamplingParams params, RandomGenerator rng) {
        List<List<Rollout>> out = new ArrayList<>(prompts.size());
        for (Prompt p : prompts) {
            out.add(generate(p, g, params, rng));
        }
        return out;
    }

    /**
     * Samples {@code g} completions of each prompt, prompt i drawing only from {@code rngs.get(i)}, in the order
     * {@link #generate(Prompt, int, SamplingParams, RandomGenerator)} draws: the groups are what one call per prompt
     * gives, up to float rounding. A model may decode the groups together (one batched step for all rows: the
     * built-in model, Qwen2.5-VL and Qwen3-VL do, and Qwen2-VL on its device path); the default calls
     * {@code generate} per prompt, in order.
     */
    default List<List<Rollout>> generateGroups(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs) {
        return generateGroups(prompts, g, params, rngs, null);
    }

    /**
     * As {@link #generateGroups(List, int, SamplingParams, List)}, the prompts' image encodings taken from
     * {@code images} (null: none) as {@link #generate(Prompt, int, SamplingParams, RandomGenerator, VisionCache)}
     * takes them. This default calls that per prompt, in order.
     */
    default List<List<Rollout>> generateGroups(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs, VisionCache images) {
        if (rngs.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + rngs.size() + " generators");
        }
        List<List<Rollout>> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(generate(prompts.get(i), g, params, rngs.get(i), images));
        }
        return out;
    }

    /**
     * Teacher-forced log-probabilities of {@code completions} (token ids, EOS included where sampled) after
     * {@code prompt}: entry [i, t] = log p(completions[i][t] | image, prompt, completions[i][..t]). One image encoding
     * and one batched forward for the group. Connected to autograd unless called under
     * {@link org.visualrft.model.tensor.Tensor#noGrad()} or on a frozen policy; SFT uses it too (loss = −sum·mask).
     */
    GroupLogProbs logProbs(Prompt prompt, List<int[]> completions);

    /**
     * As {@link #logProbs(Prompt, List)}, taking the prompt's image encoding from {@code images} (encoding it there on
     * first use) when this model's vision tower is frozen: bit-identical values, one vision forward fewer. A model
     * whose vision tower trains ignores {@code images} (its gradients flow through the encoding); so does this default.
     */
    default GroupLogProbs logProbs(Prompt prompt, List<int[]> completions, VisionCache images) {
        return logProbs(prompt, completions);
    }

    /**
     * Teacher-forced log-probabilities of one completion per prompt ({@code completions.get(i)} after
     * {@code prompts.get(i)}), right-padded to the longest: a batch of SFT or pretraining examples. The default runs
     * {@link #logProbs(Prompt, List)} per prompt; models override it with one batched forward.
     */
    default GroupLogProbs logProbs(List<Prompt> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size()
                    + " completions");
        }
        int tmax = 1;
        for (int[] c : completions) {
            tmax = Math.max(tmax, c.length);
        }
        List<org.visualrft.model.tensor.Tensor> lps = new ArrayList<>();
        List<org.visualrft.model.tensor.Tensor> masks = new ArrayList<>();
        List<Runnable> rests = new ArrayList<>(); // checkpointed layers, run again after the loss's backward
        for (int i = 0; i < prompts.size(); i++) {
            int[] padded = java.util.Arrays.copyOf(completions.get(i), tmax);
            java.util.Arrays.fill(padded, completions.get(i).length, tmax, completions.get(i).length == 0 ? 0
                    : completions.get(i)[0]);
            GroupLogProbs one = logProbs(prompts.get(i), List.of(padded));
            float[] m = new float[tmax];
            java.util.Arrays.fill(m, 0, completions.get(i).length, 1f);
            org.visualrft.model.tensor.Tensor mask = org.visualrft.model.tensor.Tensor.fromFloats(m, 1, tmax)
                    .to(one.logProbs().device(), one.logProbs().dtype());
            lps.add(one.logProbs().mul(mask));
            masks.add(mask);
            if (one.checkpointed() != null) {
                rests.add(one.checkpointed());
            }
        }
        return new GroupLogProbs(org.visualrft.model.tensor.Tensor.cat(lps, 0),
                org.visualrft.model.tensor.Tensor.cat(masks, 0),
                rests.isEmpty() ? null : () -> rests.forEach(Runnable::run));
    }

    /**
     * Positions the model holds (prompt and completion together); generation stops at the end. Integer.MAX_VALUE
     * when the model sets no limit of its own.
     */
    default int contextLength() {
        return Integer.MAX_VALUE;
    }

    /**
     * Where the prompt's chat template comes from, for reports ({@code doctor --model}): a template file of the model
     * folder, or the model's built-in turn.
     */
    default String promptTemplate() {
        return "built-in";
    }

    /**
     * Whether a prompt may carry a system message ({@link Prompt#system()}): the Qwen families render it through their
     * chat template; the built-in model has none and refuses it.
     */
    default boolean takesSystemMessage() {
        return true;
    }

    /** Positions {@code prompt} takes before the completion (image tokens included); 0 when the model cannot tell. */
    default int promptLength(Prompt prompt) {
        return 0;
    }

    /**
     * The frame this model writes boxes in; rewards and COCO conversion take it from here, so a model's answers are
     * always read in its own frame. Qwen2-VL and the built-in model: 0–1000 relative coordinates.
     */
    default org.visualrft.core.geometry.CoordinateFrame boxFrame() {
        return org.visualrft.core.geometry.CoordinateFrame.NORMALIZED_1000;
    }

    /** How the model's processor resizes an image (what {@code RESIZED_PIXELS} boxes are relative to). */
    default org.visualrft.core.geometry.QwenResize resizeRule() {
        return org.visualrft.core.geometry.QwenResize.TRAINING;
    }

    /**
     * Reward settings for this model: {@code base} with the model's frame and resize rule, the dataset's frame kept.
     */
    default org.visualrft.core.reward.RewardOptions rewardOptions(org.visualrft.core.reward.RewardOptions base) {
        return new org.visualrft.core.reward.RewardOptions(boxFrame(), base.datasetFrame(), resizeRule(), base.synonyms());
    }

    /** Token ids of {@code text} in this model's vocabulary (no special tokens added); for SFT targets. */
    int[] encode(String text);

    /** Text of {@code tokens} with special tokens skipped (as rewards read it). */
    String decode(int[] tokens);

    /** Where the weights live (and every tensor of a step runs). */
    default org.visualrft.model.tensor.Device device() {
        return org.visualrft.model.tensor.Device.CPU;
    }

    /** The end-of-sequence token id that stops generation. */
    int eosTokenId();

    /** All weights, in a stable order. */
    List<Parameter> parameters();

    /** The weights an optimiser updates (requiresGrad set); empty for a frozen policy. */
    List<Parameter> trainableParameters();

    /**
     * A frozen deep copy (no gradients, own storage): the GRPO reference model. Closing it does not affect this one.
     */
    Policy frozenCopy();

    /**
     * Activation checkpointing of the training forward (TRL's {@code gradient_checkpointing}): when on, a
     * {@link #logProbs} computed with autograd keeps only each decoder layer's input and runs the layers again in
     * {@link GroupLogProbs#backward}, for about a third more compute and a fraction of the activation memory. The
     * Qwen families have it; this default refuses {@code on} with one line (the built-in model is a few megabytes).
     */
    default void gradientCheckpointing(boolean on) {
        if (on) {
            throw new IllegalArgumentException("gradient_checkpointing: model_type " + modelType()
                    + " has no activation checkpointing (the Qwen families do)");
        }
    }

    /** Whether {@link #gradientCheckpointing} is on. */
    default boolean gradientCheckpointing() {
        return false;
    }

    /**
     * Writes the model as an HF-like folder (config.json, model.safetensors, tokenizer files), atomically: files
     * are written under temporary names and renamed.
     */
    void save(Path dir);

    @Override
    void close();
}
