package org.visualrft.model.qwen2vl;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * Refuses a tokenizer.json that does not belong to the model: more ids than the embedding has rows, or control
 * tokens of the chat template at other ids than config.json names. Otherwise the first prompt would fail deep inside
 * the model (or worse, run on the wrong pieces).
 */
final class QwenTokenizerCheck {
    private QwenTokenizerCheck() {
    }

    static void check(Path tokenizerFile, Path configFile) {
        Qwen2VLConfig c = Qwen2VLConfig.load(configFile);
        try (Tokenizer t = Tokenizer.load(tokenizerFile)) {
            if (t.vocabSize() > c.vocabSize()) {
                throw new BadInputException(tokenizerFile, "has " + t.vocabSize() + " ids but config.json vocab_size"
                        + " is " + c.vocabSize() + ": this tokenizer is not the model's");
            }
            expect(tokenizerFile, t, ChatTemplate.IMAGE_PAD, c.imageTokenId(), "image_token_id");
            expect(tokenizerFile, t, ChatTemplate.VISION_START, c.visionStartTokenId(), "vision_start_token_id");
            expect(tokenizerFile, t, ChatTemplate.VISION_END, c.visionEndTokenId(), "vision_end_token_id");
            t.specialId(ChatTemplate.IM_START);
            t.specialId(ChatTemplate.IM_END);
        }
    }

    private static void expect(Path file, Tokenizer t, String token, int configId, String key) {
        int id = t.specialId(token);
        if (id != configId) {
            throw new BadInputException(file, token + " is id " + id + " here but config.json " + key + " is "
                    + configId + ": this tokenizer is not the model's");
        }
    }
}
