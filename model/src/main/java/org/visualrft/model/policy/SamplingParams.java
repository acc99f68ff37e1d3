package org.visualrft.model.policy;

/**
 * How to sample a completion: Hugging Face {@code generate}'s keys of the same names, applied in its order
 * (repetition penalty on the raw logits, then temperature, top-k, top-p, min-p).
 *
 * @param temperature       divides the logits before sampling; 0 means greedy (argmax)
 * @param topK              keep the k most likely tokens and any tied with the k-th, as Hugging Face does (0 = all;
 *                          1 = greedy)
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p (1 = all)
 * @param maxNewTokens      stop after this many tokens even without EOS
 * @param repetitionPenalty every token already in the row's ids (prompt, image pads included, and the completion so
 *                          far) has its logit divided by this when positive, multiplied when negative (1 = off); it
 *                          also applies to greedy decoding, as in Hugging Face
 * @param minP              after top-p, drop tokens whose probability is below {@code minP} times the most likely
 *                          one's (0 = off)
 */
public record SamplingParams(double temperature, int topK, double topP, int maxNewTokens, double repetitionPenalty,
                             double minP) {
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
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition_penalty must be a finite number > 0, got "
                    + repetitionPenalty);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
    }

    /** Without repetition penalty or min-p. */
    public SamplingParams(double temperature, int topK, double topP, int maxNewTokens) {
        this(temperature, topK, topP, maxNewTokens, 1.0, 0.0);
    }

    /** Visual-RFT's rollout setting (docs/original-code.md, "Version pitfalls"): temperature 1, top-k 50, top-p 1. */
    public static SamplingParams visualRft(int maxNewTokens) {
        return new SamplingParams(1.0, 50, 1.0, maxNewTokens);
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0.0, 0, 1.0, maxNewTokens);
    }

    /** These settings with another token limit. */
    public SamplingParams withMaxNewTokens(int n) {
        return n == maxNewTokens ? this : new SamplingParams(temperature, topK, topP, n, repetitionPenalty, minP);
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
        return room >= maxNewTokens ? this : withMaxNewTokens((int) room);
    }

    public boolean isGreedy() {
        return temperature == 0 || topK == 1;
    }

    /** Whether a repetition penalty applies (then the samplers need each row's token history). */
    public boolean penalisesRepetition() {
        return repetitionPenalty != 1.0;
    }
}
