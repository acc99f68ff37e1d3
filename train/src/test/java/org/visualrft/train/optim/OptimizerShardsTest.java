package org.visualrft.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

class OptimizerShardsTest {

    @Test
    void everyParameterHasOneOwnerAndTheLoadIsBalanced() {
        SplittableRandom r = new SplittableRandom(3);
        for (int world = 1; world <= 8; world++) {
            long[] sizes = new long[50];
            long total = 0;
            long largest = 0;
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = 1 + r.nextInt(i % 7 == 0 ? 100_000 : 5_000);
                total += sizes[i];
                largest = Math.max(largest, sizes[i]);
            }
            OptimizerShards s = OptimizerShards.plan(sizes, world);
            long[] load = new long[world];
            int counted = 0;
            for (int rank = 0; rank < world; rank++) {
                for (int i : s.ownedBy(rank)) {
                    assertEquals(rank, s.owner(i));
                    load[rank] += sizes[i];
                    counted++;
                }
            }
            assertEquals(sizes.length, counted, "each parameter owned once");
            for (long l : load) {
                // greedy largest-first: no rank exceeds the even share by more than one parameter
                assertTrue(l <= total / world + largest, "load " + l + " of " + total + " over " + world);
            }
            assertArrayEquals(s.ownedBy(0), OptimizerShards.plan(sizes, world).ownedBy(0), "deterministic");
        }
    }

    @Test
    void largestFirstToTheLeastLoadedRank() {
        OptimizerShards s = OptimizerShards.plan(new long[] {10, 40, 30, 20, 5}, 2);
        // 40 → 0, 30 → 1, 20 → 1 (30 < 40), 10 → 0 (40 < 50), 5 → 0 (50 = 50, lowest rank)
        assertArrayEquals(new int[] {0, 0, 1, 1, 0}, new int[] {s.owner(0), s.owner(1), s.owner(2), s.owner(3),
                s.owner(4)});
    }

    private static List<Tensor> params(DType dtype) {
        List<Tensor> out = new ArrayList<>();
        long[][] shapes = {{64, 32}, {32}, {16, 16}, {100}, {8, 8, 2}};
        for (int k = 0; k < shapes.length; k++) {
            out.add(Tensor.randn(org.visualrft.model.tensor.Generator.seeded(k), DType.F32, shapes[k]).to(dtype)
                    .requiresGrad(true).persist());
        }
        return out;
    }

    /** Each rank's AdamW holds only its share; the shares add up to the unsharded state. */
    @Test
    void eachRankHoldsItsShareOfTheState() {
        List<Tensor> p = params(DType.BF16);
        OptimizerShards s = OptimizerShards.plan(p, 3);
        long sum = 0;
        long whole;
        try (AdamW all = new AdamW(p, 0.9, 0.999, 1e-8, 0.0)) {
            whole = all.stateBytes();
            assertEquals(whole, all.unshardedStateBytes());
            long elements = p.stream().mapToLong(Tensor::numel).sum();
            assertEquals(elements * 4 * 3, whole, "bf16: two float32 moments and a float32 master");
        }
        for (int rank = 0; rank < 3; rank++) {
            try (AdamW mine = new AdamW(p, 0.9, 0.999, 1e-8, 0.0, s, rank)) {
                assertTrue(mine.stateBytes() < whole, "rank " + rank);
                sum += mine.stateBytes();
            }
        }
        assertEquals(whole, sum);
    }

    /**
     * A rank loads its own share of a file any optimiser wrote; stepping the shares and taking each parameter from its
     * owner gives the unsharded optimiser's parameters to the bit.
     */
    @Test
    void shardsLoadTheirShareOfAnUnshardedFileAndStepAsItWould(@TempDir Path dir) throws Exception {
        List<Tensor> whole = params(DType.BF16);
        List<List<Tensor>> perRank = List.of(params(DType.BF16), params(DType.BF16));
        OptimizerShards s = OptimizerShards.plan(whole, 2);
        Path file = dir.resolve("opt.safetensors");
        try (AdamW all = new AdamW(whole, 0.9, 0.999, 1e-8, 0.1)) {
            step(all, whole, 1);
            all.save(file);
            List<AdamW> shards = new ArrayList<>();
            try {
                for (int rank = 0; rank < 2; rank++) {
                    AdamW a = new AdamW(perRank.get(rank), 0.9, 0.999, 1e-8, 0.1, s, rank);
                    shards.add(a);
                    a.load(file);
                    assertEquals(1, a.stepCount());
                }
                // the step's moments, masters included: updates must continue from them, not from zeros
                for (int k = 2; k <= 3; k++) {
                    step(all, whole, k);
                    for (int rank = 0; rank < 2; rank++) {
                        step(shards.get(rank), perRank.get(rank), k);
                    }
                }
            } finally {
                shards.forEach(AdamW::close);
            }
        }
        boolean moved = false;
        for (int i = 0; i < whole.size(); i++) {
            float[] want = whole.get(i).toFloats();
            float[] owners = perRank.get(s.owner(i)).get(i).toFloats();
            assertArrayEquals(want, owners, 0f, "parameter " + i + " from its owner");
            moved |= !java.util.Arrays.equals(want, params(DType.BF16).get(i).toFloats());
            float[] other = perRank.get(1 - s.owner(i)).get(i).toFloats();
            // without shareUpdates the other rank's copy is stale: that is what the broadcast is for
            assertTrue(!java.util.Arrays.equals(want, other), "parameter " + i + " not updated by a non-owner");
        }
        assertTrue(moved);
        assertTrue(Files.size(file) > 0);
    }

    /** Gradients that depend on the step and the parameter, the same for every copy of the parameters. */
    private static void step(AdamW opt, List<Tensor> params, int k) {
        try (var scope = org.visualrft.model.tensor.NativeScope.open()) {
            opt.zeroGrad();
            Tensor loss = null;
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor w = Tensor.randn(org.visualrft.model.tensor.Generator.seeded(100L * k + i), DType.F32, p.shape());
                Tensor term = p.to(DType.F32).mul(w).sum();
                loss = loss == null ? term : loss.add(term);
            }
            loss.backward();
            opt.step(1e-2);
        }
    }
}
