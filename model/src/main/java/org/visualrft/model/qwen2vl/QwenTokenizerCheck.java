package org.visualrft.model.qwen2vl;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * Refuses a tokenizer.json that does not belong to the model: more ids than the embedding has rows, or control
 * tokens of the chat template at other ids than config.json names. Otherwise the first prompt would fail deep inside
 * the model (or worse, run on the wrong pieces).
 */
public final class QwenTokenizerCheck {
    private QwenTokenizerCheck() {
    }

    static void check(Path tokenizerFile, Path configFile) {
        Qwen2VLConfig c = Qwen2VLConfig.load(configFile);
        try (Tokenizer t = Tokenizer.load(tokenizerFile)) {
            check(t, tokenizerFile, c.vocabSize(), c.imageTokenId(), c.visionStartTokenId(), c.visionEndTokenId());
        }
    }

    /** The same for a loaded tokenizer and the ids a Qwen config names (every Qwen family shares the chat tokens). */
    public static void check(Tokenizer t, Path tokenizerFile, int vocabSize, int imageTokenId, int visionStartTokenId,
                             int visionEndTokenId) {
        if (t.vocabSize() > vocabSize) {
            throw new BadInputException(tokenizerFile, "has " + t.vocabSize() + " ids but config.json vocab_size"
                    + " is " + vocabSize + ": this tokenizer is not the model's");
        }
        expect(tokenizerFile, t, ChatTemplate.IMAGE_PAD, imageTokenId, "image_token_id");
        expect(tokenizerFile, t, ChatTemplate.VISION_START, visionStartTokenId, "vision_start_token_id");
        expect(tokenizerFile, t, ChatTemplate.VISION_END, visionEndTokenId, "vision_end_token_id");
        t.specialId(ChatTemplate.IM_START);
        t.specialId(ChatTemplate.IM_END);
    }

    private static void expect(Path file, Tokenizer t, String token, int configId, String key) {
        int id = t.specialId(token);
        if (id != configId) {
            throw new BadInputException(file, token + " is id " + id + " here but config.json " + key + " is "
                    + configId + ": this tokenizer is not the model's");
        }
    }
}
