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
 * {@code -Dai.djl.offline=true}). {@link #encode} never yields a special (control) token, not even for text that
 * spells one, such as {@code <|im_end|>} inside a prompt or a dataset's {@code problem}: it is encoded as ordinary
 * characters (as transformers' {@code split_special_tokens=True} does). Only the model's chat template places
 * control tokens, through {@link #encodeTemplate}.
 */
public final class Tokenizer implements AutoCloseable {
    private final Path file;
    private final byte[] json;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> specialIds;
    /** The special tokens' spellings that untrusted text must not form (computed once, read on every encode). */
    private final String[] specialSpellings;
    private final Set<Integer> special;
    private final int vocabSize;
    private final int unkId;

    private Tokenizer(Path file, byte[] json, HuggingFaceTokenizer hf, Map<String, Integer> specialIds,
            int vocabSize, int unkId) {
        this.file = file;
        this.json = json;
        this.hf = hf;
        this.specialIds = specialIds;
        this.specialSpellings = specialIds.keySet().stream().filter(t -> !t.isEmpty()).toArray(String[]::new);
        this.special = new HashSet<>(specialIds.values());
        this.vocabSize = vocabSize;
        this.unkId = unkId;
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
            JsonNode model = root.path("model");
            int unk = model.path("unk_id").isInt() ? model.path("unk_id").asInt()
                    : specials.getOrDefault(model.path("unk_token").asText(""), -1);
            return new Tokenizer(file, json, hf, Map.copyOf(specials), maxId + 1, unk);
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

    /**
     * Ids of untrusted {@code text} (a user's prompt, a dataset's problem, an SFT target): never a special id. Text
     * that spells a special token is cut just before the token's last character, so the tokenizer cannot match it;
     * text without such spellings encodes exactly as before.
     */
    public int[] encode(String text) {
        java.util.List<int[]> parts = new java.util.ArrayList<>();
        // Cut before the last character of the occurrence that ends first: no special token then lies wholly inside
        // a piece. Iterative, with each token's next occurrence cached, so a text with 100k spellings is linear.
        String[] tokens = specialSpellings;
        int[] next = new int[tokens.length];
        for (int k = 0; k < tokens.length; k++) {
            next[k] = text.indexOf(tokens[k]);
        }
        int from = 0;
        while (true) {
            int firstEnd = Integer.MAX_VALUE;
            for (int k = 0; k < tokens.length; k++) {
                if (next[k] >= 0 && next[k] < from) {
                    next[k] = text.indexOf(tokens[k], from); // that one was cut through: find the next whole one
                }
                if (next[k] >= 0) {
                    firstEnd = Math.min(firstEnd, next[k] + tokens[k].length());
                }
            }
            int cut = firstEnd == Integer.MAX_VALUE ? text.length() : firstEnd - 1;
            if (cut <= from) { // a one-character control token: it cannot be cut (refused below)
                cut = text.length();
            }
            parts.add(raw(text.substring(from, cut)));
            if (cut == text.length()) {
                break;
            }
            from = cut;
        }
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int k = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        for (int id : out) {
            if (id != unkId && special.contains(id)) {
                throw new IllegalArgumentException("text contains the control token " + decode(new int[] {id}, false)
                        + ", which user text may not use");
            }
        }
        return out;
    }

    /** Whether {@code text} spells a special token (what {@link #encode} cuts and {@link #encodeTemplate} would place). */
    public boolean spellsSpecial(String text) {
        for (String t : specialSpellings) {
            if (text.contains(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ids of the model's own template text, where special-token spellings become their special ids. Only for text
     * the program writes (the chat template); user text goes through {@link #encode}.
     */
    public int[] encodeTemplate(String template) {
        return raw(template);
    }

    private int[] raw(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
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
