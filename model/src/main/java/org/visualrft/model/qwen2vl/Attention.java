package org.visualrft.model.qwen2vl;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Scaled dot-product attention over {@code [batch, heads, seq, headDim]} tensors.
 *
 * <p>With autograd, and in float32 on the CPU, libtorch's fused kernel: it does not store the seq × seq
 * probabilities (those would cost about 7 bytes × heads × seq² per layer), and in float32 on this CPU it is the faster
 * one, 1.25–17× faster than eager at the shapes a step runs (a masked 1024-patch vision block 23 ms against 393 ms,
 * 8 × 574 teacher-forced tokens 0.27 s against 1.44 s, G = 8 decode rows 5.8 ms against 9.4 ms;
 * {@code bench/model/attention.sh}, 2 threads).
 *
 * <p>Otherwise (bf16 on the CPU without autograd: the vision tower, generation, the reference model; and everything on
 * a GPU, where the fused kernels are yet to be measured against it) transformers' eager attention: scores in the
 * activations' dtype divided by √headDim, softmax in float32, cast back, times V. In bf16 on this CPU it is 1.6–24×
 * faster than the fused kernel (a 1024-patch vision block 249 ms against 390 ms, a 300-token causal prefill 4 ms
 * against 102 ms). More than {@link #maxScores} scores are then computed in blocks of query rows, each freed before the
 * next.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * @param allowed boolean mask broadcastable to {@code [batch, heads, q, k]}, true where attention is allowed; or null
     * @param causal  query i (aligned at the end of the keys) sees keys up to its own position; ignored with a mask
     */
    public static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {
        // libtorch's is_causal aligns query 0 with key 0; ours aligns the last query with the last key, the same only
        // when there are as many queries as keys (a prefill, a teacher-forced sequence)
        boolean fusedCausal = allowed != null || !causal || q.size(2) == k.size(2);
        if (fusedCausal && (q.requiresGrad() || k.requiresGrad() || v.requiresGrad()
                || q.dtype() == DType.F32 && q.device().isCpu())) {
            return Tensor.scaledDotProductAttention(q, k, v, allowed, allowed == null && causal, false);
        }
        return eagerInBlocks(q, k, v, allowed, causal);
    }

    /**
     * transformers' eager attention whatever the dtype and device, in blocks of query rows beyond {@link #maxScores}
     * scores (for the tests and {@code bench/model/attention.sh}; {@link #apply} chooses).
     */
    public static Tensor eagerInBlocks(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {
        long sq = q.size(2);
        long sk = k.size(2);
        long rows = Math.max(1, maxScores / Math.max(1, q.size(0) * q.size(1) * sk));
        if (sq <= rows) {
            return eager(q, k, v, allowed, causal, 0);
        }
        // the scores of all queries would exceed the budget (a large image's vision tower: heads × P² values, hundreds
        // of GB at the hub processors' max_pixels): blocks of query rows, each freed before the next (up to float
        // rounding of the smaller matmuls, the same numbers)
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        try {
            for (long r = 0; r < sq; r += rows) {
                long e = Math.min(sq, r + rows);
                try (org.visualrft.model.tensor.NativeScope s = org.visualrft.model.tensor.NativeScope.open()) {
                    Tensor mask = allowed;
                    if (mask != null && mask.dim() >= 2 && mask.size(mask.dim() - 2) == sq) {
                        mask = mask.slice(mask.dim() - 2, r, e, 1);
                    }
                    parts.add(eager(q.slice(2, r, e, 1), k, v, mask, causal, sq - e).persist());
                }
            }
            return Tensor.cat(parts, 2);
        } finally {
            parts.forEach(Tensor::close);
        }
    }

    /** Query rows at most {@code heads × rows × keys} scores at a time (package-private for the tests). */
    static long maxScores = 1L << 26;

    /**
     * transformers' eager attention; {@code before}: how many of the full query block's rows come after this block's
     * last row (the causal pattern aligns the full block's last query with the last key).
     */
    private static Tensor eager(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal, long before) {
        Tensor scores = q.matmul(k.transpose(2, 3)).div(Math.sqrt(q.size(3)));
        if (allowed == null && causal) {
            long sq = q.size(2);
            long sk = k.size(2);
            Tensor row = Tensor.arange(sk - sq - before, sk - before, DType.I64, q.device()).unsqueeze(1);
            Tensor col = Tensor.arange(0, sk, DType.I64, q.device()).unsqueeze(0);
            allowed = col.gt(row).logicalNot();
        }
        if (allowed != null) {
            scores = scores.maskedFill(allowed.logicalNot(), Double.NEGATIVE_INFINITY);
        }
        return scores.to(DType.F32).softmax(-1).to(q.dtype()).matmul(v);
    }
}
