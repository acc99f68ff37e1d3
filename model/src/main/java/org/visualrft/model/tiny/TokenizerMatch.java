package org.visualrft.model.tiny;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * Refuses a tokenizer that is not the model's own: every vrft-tiny model is made with exactly its tokenizer's ids as
 * embedding rows, and its config names the ids of its control tokens. A tokenizer swapped in from another model would
 * load and then produce text from the wrong pieces.
 */
final class TokenizerMatch {
    private TokenizerMatch() {
    }

    static void check(Path file, Tokenizer tokenizer, TinyConfig config) {
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new BadInputException(file, "has " + tokenizer.vocabSize() + " ids but config.json vocab_size is "
                    + config.vocabSize() + ": this tokenizer is not the model's");
        }
        String[] names = {"eos_token_id", "pad_token_id", "user_token_id", "assistant_token_id"};
        int[] ids = {config.eosTokenId(), config.padTokenId(), config.userTokenId(), config.assistantTokenId()};
        for (int i = 0; i < ids.length; i++) {
            if (!tokenizer.isSpecial(ids[i])) {
                throw new BadInputException(file, "id " + ids[i] + " (config.json " + names[i] + ") is not a control"
                        + " token of this tokenizer: the tokenizer is not the model's");
            }
        }
    }
}
