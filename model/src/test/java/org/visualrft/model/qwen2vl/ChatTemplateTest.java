package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The rendered prompt is the original's string (docs/original-code.md, "Chat template"), and image pads expand per image. */
class ChatTemplateTest {
    @Test
    void rendersTheDefaultSystemTurnAndOneImage() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                        + "<|vision_start|><|image_pad|><|vision_end|>Is it a cat?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.userTurnWithImage("Is it a cat?"));
    }

    @Test
    void expandsEachPadToItsImagesTokenCount() {
        assertArrayEquals(new int[] {1, 301, 300, 300, 300, 302, 7, 301, 300, 300, 302},
                ChatTemplate.expandImagePads(new int[] {1, 301, 300, 302, 7, 301, 300, 302}, 300, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.expandImagePads(new int[] {300}, 300, 1, 1));
    }
}
