package org.visualrft.train.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.visualrft.model.tensor.Tensor;

/**
 * Which rank keeps the optimiser state of which parameter under ZeRO stage 1 ({@code zero_stage: 1}): whole
 * parameters, the largest first, each to the rank that holds the fewest elements so far (lowest rank on a tie), as
 * {@code torch.distributed.optim.ZeroRedundancyOptimizer} partitions them. The plan depends on the parameters' sizes
 * and the world size only, so every rank computes the same one without talking.
 */
public final class OptimizerShards {
    private final int[] owner;
    private final int worldSize;

    private OptimizerShards(int[] owner, int worldSize) {
        this.owner = owner;
        this.worldSize = worldSize;
    }

    /** Every parameter's state on every rank: no sharding. */
    public static OptimizerShards unsharded(int parameters) {
        return new OptimizerShards(new int[parameters], 1);
    }

    /** The balanced plan for {@code params} over {@code worldSize} ranks. */
    public static OptimizerShards plan(List<Tensor> params, int worldSize) {
        long[] sizes = new long[params.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = params.get(i).numel();
        }
        return plan(sizes, worldSize);
    }

    /** The plan for parameters of {@code sizes} elements (memory planning without the tensors). */
    public static OptimizerShards plan(long[] sizes, int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size " + worldSize);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong((Integer i) -> -sizes[i]).thenComparingInt(i -> i));
        long[] load = new long[worldSize];
        int[] owner = new int[sizes.length];
        for (int i : order) {
            int least = 0;
            for (int r = 1; r < worldSize; r++) {
                if (load[r] < load[least]) {
                    least = r;
                }
            }
            owner[i] = least;
            load[least] += sizes[i];
        }
        return new OptimizerShards(owner, worldSize);
    }

    /** The rank that keeps parameter {@code i}'s state and computes its update. */
    public int owner(int i) {
        return owner[i];
    }

    public int size() {
        return owner.length;
    }

    public int worldSize() {
        return worldSize;
    }

    /** Whether the state is split at all (more than one rank). */
    public boolean sharded() {
        return worldSize > 1;
    }

    /** The indices of the parameters {@code rank} owns, in parameter order. */
    public int[] ownedBy(int rank) {
        return java.util.stream.IntStream.range(0, owner.length).filter(i -> owner[i] == rank).toArray();
    }

    @Override
    public String toString() {
        return "OptimizerShards" + Arrays.toString(owner) + " over " + worldSize;
    }
}
