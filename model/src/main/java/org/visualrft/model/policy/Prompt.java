package org.visualrft.model.policy;

import java.util.Objects;

/**
 * What the policy is asked: one image and the user's text (the paper's {@code problem}, e.g. the detection prompt),
 * and optionally a system message before them (the R1 system prompt of the paper's grounding evaluation). The model
 * applies its own chat template around them; the system text, like the question, is ordinary text and never places
 * control tokens.
 *
 * @param system the system message, or null for none (the chat template's own default: Qwen2-VL's
 *     {@code You are a helpful assistant.}, Qwen3-VL's nothing)
 */
public record Prompt(Image image, String text, String system) {
    public Prompt {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(text, "text");
    }

    /** A prompt without a system message. */
    public Prompt(Image image, String text) {
        this(image, text, null);
    }

    /** This prompt with {@code system} as its system message (null: none). */
    public Prompt withSystem(String system) {
        return new Prompt(image, text, system);
    }
}
