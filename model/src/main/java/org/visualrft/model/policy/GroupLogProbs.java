package org.visualrft.model.policy;

import org.visualrft.model.tensor.Tensor;

/**
 * Per-token log-probabilities of a group of completions of one prompt, right-padded to the longest.
 *
 * @param logProbs [G, T] float32; connected to autograd when computed by a trainable policy with grad enabled
 * @param mask     [G, T] float32, 1 for real completion tokens (EOS included), 0 for padding
 * @param checkpointed null, or with activation checkpointing the rest of the backward: the layers run again
 *                     ({@link org.visualrft.model.tensor.LayerCheckpoints#backward()}); {@link #backward} runs it
 */
public record GroupLogProbs(Tensor logProbs, Tensor mask, Runnable checkpointed) {
    public GroupLogProbs(Tensor logProbs, Tensor mask) {
        this(logProbs, mask, null);
    }

    /** These log-probs with the rest of a checkpointed backward attached. */
    public GroupLogProbs withCheckpointed(Runnable rest) {
        return new GroupLogProbs(logProbs, mask, rest);
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
