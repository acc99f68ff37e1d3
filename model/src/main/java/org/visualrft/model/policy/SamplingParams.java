package org.visualrft.model.policy;

/**
 * How to sample a completion.
 *
 * @param temperature  divides the logits before sampling; 0 means greedy (argmax)
 * @param topK         keep only the k most likely tokens (0 = all)
 * @param topP         keep the smallest set of most likely tokens whose probability reaches p (1 = all)
 * @param maxNewTokens stop after this many tokens even without EOS
 */
public record SamplingParams(double temperature, int topK, double topP, int maxNewTokens) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
    }

    /** Visual-RFT's rollout setting (docs/original-code.md, "Version pitfalls"): temperature 1, top-k 50, top-p 1. */
    public static SamplingParams visualRft(int maxNewTokens) {
        return new SamplingParams(1.0, 50, 1.0, maxNewTokens);
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0.0, 0, 1.0, maxNewTokens);
    }

    /**
     * These settings with {@code maxNewTokens} cut so that a prompt of {@code promptLength} positions and its
     * completion fit a model of {@code contextLength} positions ({@link Policy#contextLength}: generation stops at the
     * end); a prompt that leaves no room at all is an IllegalArgumentException.
     */
    public SamplingParams within(int contextLength, int promptLength) {
        long room = (long) contextLength - promptLength;
        if (room < 1) {
            throw new IllegalArgumentException("a prompt of " + promptLength + " positions leaves no room to generate"
                    + " within the model's " + contextLength + " positions (max_position_embeddings)");
        }
        return room >= maxNewTokens ? this : new SamplingParams(temperature, topK, topP, (int) room);
    }

    public boolean isGreedy() {
        return temperature == 0 || topK == 1;
    }
}
