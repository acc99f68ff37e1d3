package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwenvl.QwenVlPolicy;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * A model folder's own chat template decides the prompt's ids (Qwen2-VL and Qwen3-VL): the ids of the text it
 * renders, tokenised whole as Hugging Face does, with the image's pads expanded; without one, the built-in turn.
 */
class FolderChatTemplatePolicyTest {
    static final String QUESTION = "What is in the image ?";
    /** A template with another system message: "You are a cat ." */
    static final String CUSTOM = "{% for m in messages %}{% if loop.first %}<|im_start|>system\nYou are a cat .<|im_end|>\n"
            + "{% endif %}<|im_start|>{{ m.role }}\n{% for c in m.content %}{% if c.type == 'image' %}<|vision_start|>"
            + "<|image_pad|><|vision_end|>{% else %}{{ c.text }}{% endif %}{% endfor %}<|im_end|>\n{% endfor %}"
            + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}\n";
    static final String RENDERED = "<|im_start|>system\nYou are a cat .<|im_end|>\n<|im_start|>user\n<|vision_start|>"
            + "<|image_pad|><|vision_end|>" + QUESTION + "<|im_end|>\n<|im_start|>assistant\n";

    static int[] promptIds(Policy p) {
        Image img = Image.read(Fixture.DIR.resolve("image_a.png"));
        Prompt prompt = new Prompt(img, QUESTION);
        return p instanceof Qwen2VLPolicy q ? q.encodePrompt(prompt).ids() : ((QwenVlPolicy) p).encodePrompt(prompt).ids();
    }

    static void check(Path dir) throws Exception {
        int[] builtin;
        try (Policy p = ModelLoader.load(dir)) {
            builtin = promptIds(p);
        }
        Files.writeString(dir.resolve("chat_template.jinja"), CUSTOM);
        try (Policy p = ModelLoader.load(dir); Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"))) {
            int[] ids = promptIds(p);
            int pads = (int) Arrays.stream(builtin).filter(i -> i == 300).count();
            assertArrayEquals(ChatTemplate.expandImagePads(tok.encodeTemplate(RENDERED), 300, pads), ids);
            assertFalse(Arrays.equals(builtin, ids), "the template's system message reaches the ids");
            assertEquals(ids.length, p.promptLength(new Prompt(Image.read(Fixture.DIR.resolve("image_a.png")), QUESTION)),
                    "promptLength counts the same turn");
        }
    }

    @Test
    void qwen2VlFollowsTheFolderTemplate(@TempDir Path tmp) throws Exception {
        check(TinyQwenFolder.create(tmp));
    }

    @Test
    void qwen3VlFollowsTheFolderTemplate(@TempDir Path tmp) throws Exception {
        check(TinyQwenFolder.create(tmp, Fixture.DIR.resolveSibling("qwen3vl-tiny")));
    }
}
