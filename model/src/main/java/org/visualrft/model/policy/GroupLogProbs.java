package org.visualrft.model.policy;

import org.visualrft.model.tensor.Tensor;

/**
 * Per-token log-probabilities of a group of completions of one prompt, right-padded to the longest.
 *
 * @param logProbs [G, T] float32; connected to autograd when computed by a trainable policy with grad enabled
 * @param mask     [G, T] float32, 1 for real completion tokens (EOS included), 0 for padding
 */
public record GroupLogProbs(Tensor logProbs, Tensor mask) {
}
