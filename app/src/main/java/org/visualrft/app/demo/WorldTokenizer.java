package org.visualrft.app.demo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.world.WorldCorpus;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * The built-in model's tokenizer for the Fashion-MNIST world: the task tokenizer (one token per coordinate, merged
 * answer pieces) plus the world's words and its fixed question stretches as single pieces, so a question is about
 * five tokens and the decoder's sequence stays short (49 image tokens + ~7 prompt tokens + the answer).
 */
public final class WorldTokenizer {
    private WorldTokenizer() {
    }

    public static TaskTokenizerBuilder builder() {
        List<String> verbatim = new ArrayList<>(WorldCorpus.fixedPieces());
        verbatim.addAll(WorldCorpus.variableWords());
        verbatim.addAll(WorldCorpus.instructions());
        return new TaskTokenizerBuilder().addCorpus(WorldCorpus.texts()).addPieces(verbatim);
    }

    public static Tokenizer create() {
        return Tokenizer.fromJson(Path.of("vrft-tiny-world-tokenizer.json"),
                builder().toJson().getBytes(StandardCharsets.UTF_8));
    }
}
