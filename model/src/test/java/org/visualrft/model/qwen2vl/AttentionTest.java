package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Attention over more scores than its budget runs in blocks of query rows (a large image's vision tower needed
 * heads × P² values at once: hundreds of GB at the hub processors' max_pixels); the blocks give the unblocked numbers.
 */
class AttentionTest {
    static float maxDiff(Tensor a, Tensor b) {
        float[] x = a.toFloats();
        float[] y = b.toFloats();
        assertEquals(x.length, y.length);
        float m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }

    @Test
    void blocksOfQueryRowsGiveTheUnblockedAttention() {
        long was = Attention.maxScores;
        try (NativeScope s = NativeScope.open(); Generator g = Generator.seeded(9)) {
            Tensor k = Tensor.randn(g, DType.F32, 1, 3, 50, 8);
            Tensor v = Tensor.randn(g, DType.F32, 1, 3, 50, 8);
            Tensor qFull = Tensor.randn(g, DType.F32, 1, 3, 50, 8);
            Tensor qPart = qFull.slice(2, 30, 50, 1).contiguous(); // 20 queries after 30 cached keys
            Tensor ids = Tensor.arange(50);
            Tensor diagonal = ids.unsqueeze(1).eq(ids.unsqueeze(0)); // every query sees at least its own key
            Tensor mask2 = Tensor.rand(g, DType.F32, 50, 50).gt(0.5).logicalOr(diagonal);
            Tensor mask4 = mask2.unsqueeze(0).unsqueeze(0);
            Object[][] cases = {{qFull, null, false}, {qFull, null, true}, {qPart, null, true}, {qFull, mask2, false},
                {qFull, mask4, false}, {qPart, mask2.slice(0, 30, 50, 1), false}};
            for (Object[] c : cases) {
                Tensor q = (Tensor) c[0];
                Tensor mask = (Tensor) c[1];
                boolean causal = (Boolean) c[2];
                Attention.maxScores = 1L << 40;
                Tensor whole = Attention.eagerInBlocks(q, k, v, mask, causal);
                Attention.maxScores = 3 * 50 * 7; // 7 query rows at a time: 8 blocks, the last one short
                Tensor blocked = Attention.eagerInBlocks(q, k, v, mask, causal);
                assertArrayEquals(whole.shape(), blocked.shape());
                assertEquals(0, maxDiff(whole, blocked), 1e-6, "causal " + causal + ", mask " + (mask != null));
                // float32 on the CPU takes libtorch's fused kernel: the same attention up to float rounding
                Tensor fused = Attention.apply(q, k, v, mask, causal);
                assertEquals(0, maxDiff(whole, fused), 1e-5, "fused, causal " + causal + ", mask " + (mask != null));
            }
        } finally {
            Attention.maxScores = was;
        }
    }

    /**
     * The whole model in bf16 (where attention without autograd is eager) with blocked attention everywhere (vision
     * tower and prefill) answers as before.
     */
    @Test
    void aModelWithBlockedAttentionGivesTheSameGreedyAnswer(@TempDir Path tmp) throws Exception {
        long was = Attention.maxScores;
        Path dir = TinyQwenFolder.create(tmp);
        try (Policy p = ModelLoader.load(dir, new org.visualrft.model.policy.LoadOptions(
                org.visualrft.model.tensor.Device.CPU, DType.BF16, null, 0))) {
            Rollout a = p.generate(Qwen2VLPolicyTest.prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            Attention.maxScores = 64;
            Rollout b = p.generate(Qwen2VLPolicyTest.prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.logProbs(), b.logProbs(), 1e-5f);
        } finally {
            Attention.maxScores = was;
        }
    }
}
