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

    public boolean isGreedy() {
        return temperature == 0 || topK == 1;
    }
}
