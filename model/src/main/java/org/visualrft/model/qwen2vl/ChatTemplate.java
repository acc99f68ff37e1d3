package org.visualrft.model.qwen2vl;

import org.visualrft.model.chat.PromptTurn;

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

    private static final String USER_IMAGE = IM_START + "user\n" + VISION_START + IMAGE_PAD + VISION_END;
    private static final String AFTER_TEXT = IM_END + "\n" + IM_START + "assistant\n";

    /** A system message's turn opening: the system text goes between it and {@link #SYSTEM_END}. */
    private static final String SYSTEM_START = IM_START + "system\n";
    private static final String SYSTEM_END = IM_END + "\n";
    /** With a system message both families render {@code <|im_start|>system\n{system}<|im_end|>\n} then the user turn. */
    private static final PromptTurn.WithSystem SYSTEM_GIVEN = new PromptTurn.WithSystem(SYSTEM_START,
            SYSTEM_END + USER_IMAGE, AFTER_TEXT);

    /**
     * Qwen2-VL's and Qwen2.5-VL's turn: their templates open with the default system turn, which a system message
     * replaces.
     */
    public static final PromptTurn WITH_DEFAULT_SYSTEM = new PromptTurn(SYSTEM_START + DEFAULT_SYSTEM + SYSTEM_END
            + USER_IMAGE, AFTER_TEXT, "built-in Qwen2-VL turn (default system message)", SYSTEM_GIVEN, null);
    /** Qwen3-VL's turn: no system turn unless the conversation has one. */
    public static final PromptTurn WITHOUT_SYSTEM = new PromptTurn(USER_IMAGE, AFTER_TEXT,
            "built-in Qwen3-VL turn (no system message)", SYSTEM_GIVEN, null);

    /** The rendered prompt text for an image followed by {@code text} (Qwen2-VL's built-in turn). */
    public static String userTurnWithImage(String text) {
        return WITH_DEFAULT_SYSTEM.render(text);
    }

    /** The token ids of {@link #userTurnWithImage} ({@link PromptTurn#encode}: the question never places control tokens). */
    public static int[] encodeUserTurnWithImage(org.visualrft.model.tokenizer.Tokenizer tokenizer, String text) {
        return WITH_DEFAULT_SYSTEM.encode(tokenizer, text);
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
