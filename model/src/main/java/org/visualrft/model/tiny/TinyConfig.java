package org.visualrft.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.visualrft.core.BadInputException;

/**
 * The built-in VLM's size, as stored in its {@code config.json} ({@code "model_type": "vrft-tiny"}).
 *
 * <p>Default size, and why: a 56×56 gray canvas cut into 8×8 patches gives 49 image tokens (the prototype's
 * Fashion-MNIST world: a 28-px item upscaled exactly 2×; 64–96 px would cost 64–144 image tokens in every prefill and
 * every training sequence for detail the 28-px items do not have). Vision 2 blocks and decoder 4 layers at width 128
 * give about 1.4 M parameters: the prototype trained that size at ~3 steps/s on one core, and d = 192 cost 2.7× per
 * sampled token for no gain.
 *
 * @param vocabSize         rows of the embedding (≥ the tokenizer's ids)
 * @param numKeyValueHeads  grouped-query attention: heads share K/V in groups of heads/kvHeads
 */
public record TinyConfig(
        int imageSize, int patchSize, int channels,
        int visionHidden, int visionLayers, int visionHeads, int visionMlp,
        int hidden, int layers, int heads, int numKeyValueHeads, int intermediate,
        int vocabSize, int maxPositions, double ropeTheta, double normEps,
        int eosTokenId, int padTokenId, int userTokenId, int assistantTokenId) {

    public static final String MODEL_TYPE = "vrft-tiny";

    private static final List<String> KEYS = List.of("model_type", "image_size", "patch_size", "channels",
            "vision_hidden_size", "vision_layers", "vision_heads", "vision_intermediate_size", "hidden_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "intermediate_size", "vocab_size",
            "max_position_embeddings", "rope_theta", "rms_norm_eps", "eos_token_id", "pad_token_id",
            "user_token_id", "assistant_token_id", "tie_word_embeddings");

    /** The default size for a tokenizer of {@code vocabSize} ids with the task tokenizer's special ids. */
    public static TinyConfig defaults(int vocabSize) {
        return new TinyConfig(56, 8, 1, 128, 2, 4, 512, 128, 4, 4, 2, 384, vocabSize, 320, 10000.0, 1e-6, 2, 1, 3,
                4);
    }

    /** Throws {@link IllegalArgumentException} naming the first inconsistency. */
    public TinyConfig {
        // ranges first, so that no product below can overflow (image_size 1000000 once gave a negative shape)
        within("image_size", imageSize, 1, 4096);
        within("patch_size", patchSize, 1, 4096);
        within("vision_hidden_size", visionHidden, 1, MAX_WIDTH);
        within("vision_layers", visionLayers, 0, MAX_LAYERS);
        within("vision_heads", visionHeads, 1, MAX_WIDTH);
        within("vision_intermediate_size", visionMlp, 1, MAX_WIDTH);
        within("hidden_size", hidden, 1, MAX_WIDTH);
        within("num_hidden_layers", layers, 1, MAX_LAYERS);
        within("num_attention_heads", heads, 1, MAX_WIDTH);
        within("num_key_value_heads", numKeyValueHeads, 1, MAX_WIDTH);
        within("intermediate_size", intermediate, 1, MAX_WIDTH);
        within("vocab_size", vocabSize, 1, MAX_VOCAB);
        within("max_position_embeddings", maxPositions, 1, MAX_POSITIONS);
        check(Double.isFinite(ropeTheta) && ropeTheta > 0, "rope_theta must be a positive number, got " + ropeTheta);
        check(Double.isFinite(normEps) && normEps > 0 && normEps < 1,
                "rms_norm_eps must be in (0, 1) (e.g. 1e-6), got " + normEps);
        check(imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0, "image_size must be a multiple of patch_size");
        check(channels == 1 || channels == 3, "channels must be 1 or 3");
        check(visionHidden > 0 && visionHeads > 0 && visionHidden % visionHeads == 0,
                "vision_hidden_size must be a multiple of vision_heads");
        check(visionLayers >= 0 && visionMlp > 0, "vision sizes must be positive");
        check(hidden > 0 && heads > 0 && hidden % heads == 0, "hidden_size must be a multiple of num_attention_heads");
        check(numKeyValueHeads > 0 && heads % numKeyValueHeads == 0,
                "num_attention_heads must be a multiple of num_key_value_heads");
        check((hidden / heads) % 2 == 0, "head size must be even (rotary embedding)");
        check(layers > 0 && intermediate > 0, "decoder sizes must be positive");
        check(vocabSize > 0, "vocab_size must be positive");
        long imageTokens = (long) (imageSize / patchSize) * (imageSize / patchSize);
        check(maxPositions > imageTokens + 2, "max_position_embeddings " + maxPositions + " leaves no room after the "
                + imageTokens + " image tokens");
        for (int id : new int[] {eosTokenId, padTokenId, userTokenId, assistantTokenId}) {
            check(id >= 0 && id < vocabSize, "special token id " + id + " outside the vocabulary");
        }
    }

    /** Bounds that keep every size product inside an int and every buffer allocatable; far above real use. */
    private static final int MAX_WIDTH = 65_536;
    private static final int MAX_LAYERS = 1024;
    private static final int MAX_VOCAB = 1 << 24;
    private static final int MAX_POSITIONS = 1 << 17;

    private static void within(String key, int v, int min, int max) {
        check(v >= min && v <= max, key + " must be between " + min + " and " + max + ", got " + v);
    }

    private static void check(boolean ok, String fault) {
        if (!ok) {
            throw new IllegalArgumentException(fault);
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    public int visionHeadDim() {
        return visionHidden / visionHeads;
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    public int imageTokens() {
        return gridSize() * gridSize();
    }

    public int patchDim() {
        return patchSize * patchSize * channels;
    }

    public JsonNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", MODEL_TYPE);
        n.put("image_size", imageSize);
        n.put("patch_size", patchSize);
        n.put("channels", channels);
        n.put("vision_hidden_size", visionHidden);
        n.put("vision_layers", visionLayers);
        n.put("vision_heads", visionHeads);
        n.put("vision_intermediate_size", visionMlp);
        n.put("hidden_size", hidden);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", numKeyValueHeads);
        n.put("intermediate_size", intermediate);
        n.put("vocab_size", vocabSize);
        n.put("max_position_embeddings", maxPositions);
        n.put("rope_theta", ropeTheta);
        n.put("rms_norm_eps", normEps);
        n.put("eos_token_id", eosTokenId);
        n.put("pad_token_id", padTokenId);
        n.put("user_token_id", userTokenId);
        n.put("assistant_token_id", assistantTokenId);
        n.put("tie_word_embeddings", true);
        return n;
    }

    /** Reads config.json; unknown or missing keys and inconsistent sizes are a {@link BadInputException}. */
    public static TinyConfig read(Path file) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
        return fromJson(file, n);
    }

    static TinyConfig fromJson(Path file, JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new BadInputException(file, "config is not a JSON object");
        }
        Set<String> unknown = new LinkedHashSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new BadInputException(file, "unknown config keys " + unknown);
        }
        if (!MODEL_TYPE.equals(n.path("model_type").asText())) {
            throw new BadInputException(file, "model_type is not " + MODEL_TYPE);
        }
        if (n.has("tie_word_embeddings") && !n.get("tie_word_embeddings").asBoolean()) {
            throw new BadInputException(file, "vrft-tiny always ties word embeddings");
        }
        try {
            return new TinyConfig(i(file, n, "image_size"), i(file, n, "patch_size"), i(file, n, "channels"),
                    i(file, n, "vision_hidden_size"), i(file, n, "vision_layers"), i(file, n, "vision_heads"),
                    i(file, n, "vision_intermediate_size"), i(file, n, "hidden_size"),
                    i(file, n, "num_hidden_layers"), i(file, n, "num_attention_heads"),
                    i(file, n, "num_key_value_heads"), i(file, n, "intermediate_size"), i(file, n, "vocab_size"),
                    i(file, n, "max_position_embeddings"), d(file, n, "rope_theta"), d(file, n, "rms_norm_eps"),
                    i(file, n, "eos_token_id"), i(file, n, "pad_token_id"), i(file, n, "user_token_id"),
                    i(file, n, "assistant_token_id"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage(), e);
        }
    }

    private static int i(Path file, JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadInputException(file, "\"" + key + "\" must be an integer");
        }
        return v.asInt();
    }

    private static double d(Path file, JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new BadInputException(file, "\"" + key + "\" must be a number");
        }
        return v.asDouble();
    }
}
