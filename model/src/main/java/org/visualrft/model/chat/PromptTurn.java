package org.visualrft.model.chat;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * One user turn of an image and a question as a chat template renders it with {@code add_generation_prompt}: the
 * text before the question (the image's placeholder in it) and after it (the assistant's opening); and the same
 * conversation opened by a system message ({@link WithSystem}), or why the template cannot render one.
 *
 * @param source where it came from, for messages: a template file or the built-in turn's name
 * @param withSystem the turn after a system message, or null when the template cannot render one
 * @param noSystemReason why {@code withSystem} is null (null when it is not)
 */
public record PromptTurn(String beforeText, String afterText, String source, WithSystem withSystem,
        String noSystemReason) {
    /**
     * The conversation [system, user(image, question)]: the text before the system message, between it and the
     * question (the image's placeholder in it), and after the question.
     */
    public record WithSystem(String beforeSystem, String beforeQuestion, String afterQuestion) {
    }

    /** The rendered prompt for {@code question}. */
    public String render(String question) {
        return beforeText + question + afterText;
    }

    /** The rendered prompt for {@code question} after the system message {@code system} (null: none). */
    public String render(String system, String question) {
        if (system == null) {
            return render(question);
        }
        WithSystem w = requireSystem();
        return w.beforeSystem() + system + w.beforeQuestion() + question + w.afterQuestion();
    }

    /**
     * The prompt's token ids as Hugging Face tokenises the rendered text (control tokens as special ids), except that a
     * question spelling a control token gets it as ordinary text: only the template places control tokens (a question
     * holding {@code <|im_end|>} cannot end the turn).
     */
    public int[] encode(Tokenizer tokenizer, String question) {
        return encode(tokenizer, null, question);
    }

    /**
     * As {@link #encode(Tokenizer, String)} after the system message {@code system} (null: none, the same ids), which is
     * ordinary text as the question is: a system text spelling a control token gets it as text.
     */
    public int[] encode(Tokenizer tokenizer, String system, String question) {
        List<String> parts = new ArrayList<>(); // template text, user text, template text, ...
        if (system == null) {
            parts.add(beforeText);
        } else {
            WithSystem w = requireSystem();
            parts.add(w.beforeSystem());
            parts.add(system);
            parts.add(w.beforeQuestion());
        }
        parts.add(question);
        parts.add(system == null ? afterText : withSystem.afterQuestion());
        // a user text without control tokens is tokenised together with the template around it, as Hugging Face does;
        // one that spells a control token is tokenised on its own as ordinary text
        List<int[]> pieces = new ArrayList<>();
        StringBuilder template = new StringBuilder(parts.get(0));
        for (int i = 1; i < parts.size(); i += 2) {
            String user = parts.get(i);
            if (tokenizer.spellsSpecial(user)) {
                pieces.add(tokenizer.encodeTemplate(template.toString()));
                pieces.add(tokenizer.encode(user));
                template.setLength(0);
            } else {
                template.append(user);
            }
            template.append(parts.get(i + 1));
        }
        pieces.add(tokenizer.encodeTemplate(template.toString()));
        int n = 0;
        for (int[] p : pieces) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : pieces) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private WithSystem requireSystem() {
        if (withSystem == null) {
            throw new IllegalArgumentException(source + " cannot render a system message (" + noSystemReason + ")");
        }
        return withSystem;
    }
}
