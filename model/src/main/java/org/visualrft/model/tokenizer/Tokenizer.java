package org.visualrft.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.BadInputException;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's bindings of the Rust tokenizers library (offline: set
 * {@code -Dai.djl.offline=true}). Encoding never adds special tokens; the model's chat template places them.
 */
public final class Tokenizer implements AutoCloseable {
    private final Path file;
    private final byte[] json;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> specialIds;
    private final Set<Integer> special;
    private final int vocabSize;

    private Tokenizer(Path file, byte[] json, HuggingFaceTokenizer hf, Map<String, Integer> specialIds,
            int vocabSize) {
        this.file = file;
        this.json = json;
        this.hf = hf;
        this.specialIds = specialIds;
        this.special = new HashSet<>(specialIds.values());
        this.vocabSize = vocabSize;
    }

    /** Loads {@code tokenizer.json}; an unreadable or malformed file is a {@link BadInputException}. */
    public static Tokenizer load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "no such tokenizer file");
        }
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
        return fromJson(file, json);
    }

    /** A tokenizer from tokenizer.json bytes; {@code source} names them in errors. */
    public static Tokenizer fromJson(Path source, byte[] json) {
        Path file = source;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file, "not a JSON object");
        }
        Map<String, Integer> specials = new HashMap<>();
        int maxId = -1;
        JsonNode added = root.get("added_tokens");
        if (added != null && added.isArray()) {
            for (JsonNode a : added) {
                int id = a.path("id").asInt(-1);
                maxId = Math.max(maxId, id);
                if (a.path("special").asBoolean(false)) {
                    specials.put(a.path("content").asText(), id);
                }
            }
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isArray()) {
            maxId = Math.max(maxId, vocab.size() - 1); // Unigram: [[piece, score], ...], id = position
        } else if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                maxId = Math.max(maxId, id.asInt());
            }
        } else {
            throw new BadInputException(file, "no model.vocab");
        }
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(new java.io.ByteArrayInputStream(json),
                    Map.of());
            return new Tokenizer(file, json, hf, Map.copyOf(specials), maxId + 1);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file, "tokenizers library refused it: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** The tokenizer.json bytes it was built from (to save it beside a model). */
    public byte[] json() {
        return json.clone();
    }

    /** An independent instance (its own native handle) of the same tokenizer. */
    public Tokenizer copy() {
        return fromJson(file, json);
    }

    /** Number of ids (largest id + 1). */
    public int vocabSize() {
        return vocabSize;
    }

    /** Ids of {@code text}; special-token strings inside the text map to their special ids. */
    public int[] encode(String text) {
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** The pieces {@code text} splits into (for tests and diagnostics). */
    public String[] pieces(String text) {
        return hf.encode(text, false, false).getTokens();
    }

    /** Text of {@code ids}; with {@code skipSpecial} the special tokens are left out (as rewards read it). */
    public String decode(int[] ids, boolean skipSpecial) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, skipSpecial);
    }

    /** The id of a special token, e.g. {@code <|im_end|>}; a missing one is a {@link BadInputException}. */
    public int specialId(String token) {
        Integer id = specialIds.get(token);
        if (id == null) {
            throw new BadInputException(file, "no special token " + token);
        }
        return id;
    }

    public boolean isSpecial(int id) {
        return special.contains(id);
    }

    @Override
    public void close() {
        hf.close();
    }
}
