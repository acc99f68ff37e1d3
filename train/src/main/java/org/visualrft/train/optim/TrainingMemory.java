package org.visualrft.train.optim;

import java.util.List;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.tensor.DType;

/**
 * The memory one rank of a training run holds for its weights, computed from the loaded model's parameters as the
 * trainer allocates it (accelerate's {@code estimate-memory} answers the same question for a Hub model): the weights
 * (adapters included), the GRPO reference's own copy, a gradient per trained weight, and AdamW's state — all of it, or
 * with ZeRO stage 1 the largest share a rank keeps ({@link OptimizerShards}). Activations, KV caches, the image cache
 * and libtorch's caching allocator come on top; they depend on the batch, not on the model alone.
 *
 * <p>The reference follows the policies' {@code frozenCopy}: in full fine-tuning it copies the weights that train (a
 * frozen vision tower is shared); with LoRA it is the base model with the adapters off, so it holds nothing of its own.
 *
 * @param parameters     every weight's element count (adapters included)
 * @param trained        the trained weights' element count
 * @param weightBytes    the model's weights as loaded
 * @param referenceBytes the reference's own weights (0 with LoRA, or without a reference: beta 0, SFT)
 * @param gradientBytes  one gradient, in its weight's dtype, per trained weight
 * @param optimizerBytes AdamW's moments and float32 masters held by the rank that holds the most
 * @param worldSize      the ranks the state is planned over (1: unsharded)
 */
public record TrainingMemory(long parameters, long trained, long weightBytes, long referenceBytes, long gradientBytes,
        long optimizerBytes, int worldSize) {

    /**
     * The plan for a model whose weights are {@code all} and whose optimiser updates {@code trained}.
     *
     * @param adapters     whether {@code trained} are LoRA adapters over a frozen base
     * @param reference    whether the run keeps a reference model (GRPO with beta ≠ 0)
     * @param shardedState ZeRO stage 1 over {@code worldSize} ranks; false: every rank holds the whole state
     */
    public static TrainingMemory of(List<Parameter> all, List<Parameter> trained, boolean adapters, boolean reference,
            int worldSize, boolean shardedState) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
        }
        long trainedBytes = bytes(trained);
        long[] sizes = new long[trained.size()];
        DType[] dtypes = new DType[trained.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = trained.get(i).value().numel();
            dtypes[i] = trained.get(i).value().dtype();
        }
        int ranks = shardedState ? worldSize : 1;
        return new TrainingMemory(elements(all), elements(trained), bytes(all),
                reference && !adapters ? trainedBytes : 0, trainedBytes, largestStateShare(sizes, dtypes, ranks),
                ranks);
    }

    /**
     * AdamW's state bytes held by the rank that holds the most when {@code sizes} (elements) of {@code dtypes} are
     * planned over {@code worldSize} ranks as ZeRO stage 1 plans them (1: the whole state).
     */
    public static long largestStateShare(long[] sizes, DType[] dtypes, int worldSize) {
        OptimizerShards plan = OptimizerShards.plan(sizes, worldSize); // with one rank, rank 0 owns everything
        long most = 0;
        for (int r = 0; r < worldSize; r++) {
            long mine = 0;
            for (int i : plan.ownedBy(r)) {
                mine += AdamW.stateBytes(dtypes[i], sizes[i]);
            }
            most = Math.max(most, mine);
        }
        return most;
    }

    /** Everything above: what the rank that holds the most keeps for the model, before activations. */
    public long totalBytes() {
        return weightBytes + referenceBytes + gradientBytes + optimizerBytes;
    }

    private static long elements(List<Parameter> ps) {
        long n = 0;
        for (Parameter p : ps) {
            n += p.value().numel();
        }
        return n;
    }

    private static long bytes(List<Parameter> ps) {
        long n = 0;
        for (Parameter p : ps) {
            n += p.value().numel() * p.value().dtype().bytes();
        }
        return n;
    }
}
