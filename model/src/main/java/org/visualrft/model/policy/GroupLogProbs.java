package org.visualrft.model.policy;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Per-token log-probabilities of a group of completions of one prompt, right-padded to the longest.
 *
 * @param logProbs [G, T] float32; connected to autograd when computed by a trainable policy with grad enabled
 * @param mask     [G, T] float32, 1 for real completion tokens (EOS included), 0 for padding
 * @param checkpointed null, or with activation checkpointing the rest of the backward: the layers run again
 *                     ({@link org.visualrft.model.tensor.LayerCheckpoints#backward()}); {@link #backward} runs it
 * @param logSoftmax null, or [G, T, vocab]: the full log-softmax the log-probs were read from, which
 *                   {@link #entropies()} reads. It is the tensor autograd keeps for the backward anyway (and the
 *                   caller's scope holds until it closes), so keeping a reference costs no memory
 */
public record GroupLogProbs(Tensor logProbs, Tensor mask, Runnable checkpointed, Tensor logSoftmax) {
    /** Rows of the vocabulary-wide temporaries {@link #entropies()} forms at a time: about 2^24 elements. */
    private static final long CHUNK_ELEMENTS = 1L << 24;

    public GroupLogProbs(Tensor logProbs, Tensor mask) {
        this(logProbs, mask, null, null);
    }

    public GroupLogProbs(Tensor logProbs, Tensor mask, Runnable checkpointed) {
        this(logProbs, mask, checkpointed, null);
    }

    /**
     * The log-probs of {@code targets} [G, T] under {@code logits} [G, T, vocab], multiplied by {@code mask} [G, T];
     * the log-softmax is kept for {@link #entropies()}. The same operations as
     * {@link Tensor#tokenLogProbs(Tensor, Tensor)}, so the same values to the bit.
     */
    public static GroupLogProbs of(Tensor logits, Tensor targets, Tensor mask) {
        Tensor logSoftmax = logits.logSoftmax(-1);
        Tensor lp = logSoftmax.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        return new GroupLogProbs(lp.mul(mask), mask, null, logSoftmax);
    }

    /** These log-probs with the rest of a checkpointed backward attached. */
    public GroupLogProbs withCheckpointed(Runnable rest) {
        return new GroupLogProbs(logProbs, mask, rest, logSoftmax);
    }

    /**
     * Each position's entropy in nats, {@code -Σ_v p_v log p_v} over the whole vocabulary, of the distribution the
     * log-probs come from (TRL's {@code entropy_from_logits}): [G, T] in float32 (float64 when the log-softmax is),
     * 0 at padding, without autograd. Computed on demand, a slice of rows at a time, so its temporaries stay small;
     * a caller that never asks pays nothing.
     *
     * @throws IllegalStateException when these log-probs were not read from a full log-softmax
     */
    public Tensor entropies() {
        return entropies(CHUNK_ELEMENTS);
    }

    /** {@link #entropies()} forming temporaries of about {@code chunkElements} elements at a time. */
    Tensor entropies(long chunkElements) {
        if (logSoftmax == null) {
            throw new IllegalStateException("these log-probs carry no log-softmax over the vocabulary: no entropies");
        }
        try (Tensor.GradMode g = Tensor.noGrad()) {
            Tensor l = logSoftmax.detach();
            boolean widen = l.dtype() != DType.F64 && l.dtype() != DType.F32; // bf16: each chunk in float32
            long vocab = l.size(l.dim() - 1);
            long rows = l.numel() / vocab;
            Tensor flat = l.reshape(rows, vocab);
            long chunk = Math.max(1, chunkElements / vocab);
            List<Tensor> parts = new ArrayList<>();
            for (long r = 0; r < rows; r += chunk) {
                Tensor c = flat.narrow(0, r, Math.min(chunk, rows - r));
                if (widen) {
                    c = c.to(DType.F32);
                }
                parts.add(c.exp().mul(c).sum(1, false).neg());
            }
            Tensor h = parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, 0);
            return h.view(mask.shape()).mul(mask.to(h.dtype()));
        }
    }

    /**
     * Backpropagates {@code loss}, a scalar built from {@link #logProbs}, into the policy's parameters: autograd's
     * graph, then the checkpointed layers when there are any. Trainers call this instead of {@code loss.backward()}.
     */
    public void backward(Tensor loss) {
        loss.backward();
        if (checkpointed != null) {
            checkpointed.run();
        }
    }
}
