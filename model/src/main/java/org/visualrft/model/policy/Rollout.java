package org.visualrft.model.policy;

/**
 * One sampled completion.
 *
 * @param tokens      the completion's token ids, EOS included when it was produced
 * @param text        the decoded completion with special tokens skipped (what the reward functions read)
 * @param logProbs    per token of {@code tokens}: log-probability under the policy's own distribution (the raw
 *                    logits, before temperature/top-k/top-p), computed while sampling; equals what
 *                    {@link Policy#logProbs} gives for the same tokens up to float rounding
 * @param endedWithEos whether the last token is EOS (otherwise the length limit stopped it)
 */
public record Rollout(int[] tokens, String text, float[] logProbs, boolean endedWithEos) {
    /** Number of tokens that count for the loss: all of them (the EOS token included, as TRL does). */
    public int length() {
        return tokens.length;
    }
}
