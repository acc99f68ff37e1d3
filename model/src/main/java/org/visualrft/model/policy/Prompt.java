package org.visualrft.model.policy;

import java.util.Objects;

/**
 * What the policy is asked: one image and the user's text (the paper's {@code problem}, e.g. the detection prompt).
 * The model applies its own chat template around the text.
 */
public record Prompt(Image image, String text) {
    public Prompt {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(text, "text");
    }
}
