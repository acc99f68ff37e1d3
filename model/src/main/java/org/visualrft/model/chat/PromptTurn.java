package org.visualrft.model.chat;

import org.visualrft.model.tokenizer.Tokenizer;

/**
 * One user turn of an image and a question as a chat template renders it with {@code add_generation_prompt}: the
 * text before the question (the image's placeholder in it) and after it (the assistant's opening).
 *
 * @param source where it came from, for messages: a template file or the built-in turn's name
 */
public record PromptTurn(String beforeText, String afterText, String source) {
    /** The rendered prompt for {@code question}. */
    public String render(String question) {
        return beforeText + question + afterText;
    }

    /**
     * The prompt's token ids as Hugging Face tokenises the rendered text (control tokens as special ids), except that a
     * question spelling a control token gets it as ordinary text: only the template places control tokens (a question
     * holding {@code <|im_end|>} cannot end the turn).
     */
    public int[] encode(Tokenizer tokenizer, String question) {
        if (!spellsControlToken(tokenizer, question)) {
            return tokenizer.encodeTemplate(render(question));
        }
        int[] a = tokenizer.encodeTemplate(beforeText);
        int[] b = tokenizer.encode(question);
        int[] c = tokenizer.encodeTemplate(afterText);
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length + c.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }

    private static boolean spellsControlToken(Tokenizer tokenizer, String text) {
        for (int id : tokenizer.encodeTemplate(text)) {
            if (tokenizer.isSpecial(id)) {
                return true;
            }
        }
        return false;
    }
}
