package org.visualrft.train.config;

/** What an SFT target holds. */
public enum SftTarget {
    /** The solution alone: {@code <answer>…</answer>}. */
    ANSWER_ONLY("answer_only"),
    /** A thinking part, then the answer: {@code <think>…</think><answer>…</answer>}. */
    WITH_THINKING("with_thinking");

    private final String yamlName;

    SftTarget(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }
}
