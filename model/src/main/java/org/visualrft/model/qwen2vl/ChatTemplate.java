package org.visualrft.model.qwen2vl;

/**
 * Qwen2-VL's chat template for one user turn of one image and a question, with {@code add_generation_prompt=True}:
 * the template inserts its default system turn because the conversation does not start with one (docs/original-code.md, "Chat template").
 * The single {@code <|image_pad|>} is expanded to the image's token count after tokenising.
 */
public final class ChatTemplate {
    public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    public static final String VISION_END = "<|vision_end|>";

    private ChatTemplate() {
    }

    private static final String BEFORE_TEXT = IM_START + "system\n" + DEFAULT_SYSTEM + IM_END + "\n"
            + IM_START + "user\n" + VISION_START + IMAGE_PAD + VISION_END;
    private static final String AFTER_TEXT = IM_END + "\n" + IM_START + "assistant\n";

    /** The rendered prompt text for an image followed by {@code text}. */
    public static String userTurnWithImage(String text) {
        return BEFORE_TEXT + text + AFTER_TEXT;
    }

    /**
     * The token ids of {@link #userTurnWithImage}: the template's control tokens as special ids, the user's
     * {@code text} as ordinary text only (a prompt that spells {@code <|im_end|>} cannot end the turn). The same ids
     * as tokenising the rendered string whenever the text spells no control token, because the tokenizer splits at
     * control tokens before anything else.
     */
    public static int[] encodeUserTurnWithImage(org.visualrft.model.tokenizer.Tokenizer tokenizer, String text) {
        int[] a = tokenizer.encodeTemplate(BEFORE_TEXT);
        int[] b = tokenizer.encode(text);
        int[] c = tokenizer.encodeTemplate(AFTER_TEXT);
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length + c.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }

    /** Replaces each single image-pad id by {@code counts[k]} copies for the k-th image (the processor's expansion). */
    public static int[] expandImagePads(int[] ids, int imagePadId, int... counts) {
        int extra = 0;
        int seen = 0;
        for (int id : ids) {
            if (id == imagePadId) {
                if (seen == counts.length) {
                    throw new IllegalArgumentException("prompt has more image pads than the " + counts.length + " images");
                }
                extra += counts[seen++] - 1;
            }
        }
        if (seen != counts.length) {
            throw new IllegalArgumentException("prompt has " + seen + " image pads for " + counts.length + " images");
        }
        int[] out = new int[ids.length + extra];
        int j = 0;
        int k = 0;
        for (int id : ids) {
            if (id == imagePadId) {
                for (int r = 0; r < counts[k]; r++) {
                    out[j++] = id;
                }
                k++;
            } else {
                out[j++] = id;
            }
        }
        return out;
    }
}
