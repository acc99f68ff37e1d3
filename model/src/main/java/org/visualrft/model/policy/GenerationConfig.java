package org.visualrft.model.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;

/**
 * A model folder's {@code generation_config.json} read as Hugging Face {@code generate} reads it: what a script that
 * calls {@code model.generate(...)} without sampling arguments decodes with (the paper's evaluation scripts do so).
 * Keys that are absent take transformers' {@code GenerationConfig} defaults (do_sample false, temperature 1, top_k 50,
 * top_p 1, min_p none, repetition_penalty 1). With {@code do_sample} false decoding is greedy and temperature, top_k,
 * top_p and min_p are ignored, as {@code generate} ignores them; the repetition penalty applies either way.
 * Qwen2-VL-Instruct's file (do_sample true, top_k 1, top_p 0.001, temperature 0.01, repetition_penalty 1.05) is thus
 * greedy with a 1.05 repetition penalty: top_k 1 keeps only the most likely token.
 *
 * <p>Keys that change what {@code generate} produces in ways not implemented here (beam search, n-gram blocking,
 * typical/epsilon/eta sampling, forced or suppressed tokens, ...) are refused, naming the file and the key; an
 * unrecognised key is ignored, as {@code generate} ignores it. The stop tokens ({@code eos_token_id}) are read by the
 * policy itself; the token limit ({@code max_new_tokens}, {@code max_length}) is the caller's, as the evaluation
 * scripts pass {@code max_new_tokens} explicitly.
 *
 * @param source            the file read, or null for the library defaults (no file)
 * @param doSample          sample (true) or decode greedily (false)
 * @param temperature       used when sampling
 * @param topK              used when sampling (0: all tokens)
 * @param topP              used when sampling
 * @param minP              used when sampling (0: off; the file's null)
 * @param repetitionPenalty applies greedy or sampled (1: off)
 */
public record GenerationConfig(Path source, boolean doSample, double temperature, int topK, double topP, double minP,
                               double repetitionPenalty) {
    /** The file's name in a model folder. */
    public static final String FILE = "generation_config.json";

    /** transformers' defaults: what {@code generate} uses without a file. */
    public static final GenerationConfig DEFAULTS = new GenerationConfig(null, false, 1.0, 50, 1.0, 0.0, 1.0);

    /** The neutral value of a key that does nothing only when absent or null (or an empty list or object). */
    private static final Object ABSENT = new Object();

    /**
     * Keys that change decoding, with the value at which they do nothing ({@link #ABSENT}: absent or null only). A
     * file that sets one to anything else is refused.
     */
    private static final Map<String, Object> NOT_IMPLEMENTED = Map.ofEntries(
            Map.entry("num_beams", 1.0), Map.entry("num_beam_groups", 1.0), Map.entry("diversity_penalty", 0.0),
            Map.entry("penalty_alpha", 0.0), Map.entry("dola_layers", ABSENT),
            Map.entry("typical_p", 1.0), Map.entry("epsilon_cutoff", 0.0), Map.entry("eta_cutoff", 0.0),
            Map.entry("encoder_repetition_penalty", 1.0), Map.entry("no_repeat_ngram_size", 0.0),
            Map.entry("encoder_no_repeat_ngram_size", 0.0), Map.entry("bad_words_ids", ABSENT),
            Map.entry("force_words_ids", ABSENT), Map.entry("constraints", ABSENT),
            Map.entry("sequence_bias", ABSENT), Map.entry("forced_bos_token_id", ABSENT),
            Map.entry("forced_eos_token_id", ABSENT), Map.entry("forced_decoder_ids", ABSENT),
            Map.entry("suppress_tokens", ABSENT), Map.entry("begin_suppress_tokens", ABSENT),
            Map.entry("exponential_decay_length_penalty", ABSENT), Map.entry("min_length", 0.0),
            Map.entry("min_new_tokens", 0.0), Map.entry("guidance_scale", 1.0),
            Map.entry("watermarking_config", ABSENT), Map.entry("stop_strings", ABSENT),
            Map.entry("token_healing", Boolean.FALSE), Map.entry("max_time", ABSENT),
            Map.entry("num_return_sequences", 1.0), Map.entry("prompt_lookup_num_tokens", ABSENT),
            Map.entry("top_n_sigma", ABSENT));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BYTES = 1 << 20;

    /**
     * The generation config of model folder {@code dir}: its {@code generation_config.json}, or {@link #DEFAULTS}
     * when the folder has none. A file that is not valid, holds an invalid value or a key that is not implemented is
     * a BadInputException naming the file.
     */
    public static GenerationConfig ofFolder(Path dir) {
        Path file = dir.resolve(FILE);
        return Files.isRegularFile(file) ? read(file) : DEFAULTS;
    }

    /** Reads one {@code generation_config.json}. */
    public static GenerationConfig read(Path file) {
        JsonNode root = json(file);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Object neutral = NOT_IMPLEMENTED.get(e.getKey());
            if (neutral != null && !isNeutral(e.getValue(), neutral)) {
                throw new BadInputException(file, "\"" + e.getKey() + "\": " + e.getValue() + " changes decoding in a"
                        + " way visual-rft does not implement (it implements greedy and sampled decoding with"
                        + " temperature, top_k, top_p, min_p and repetition_penalty); remove the key or decode with"
                        + " --generation-config greedy");
            }
        }
        boolean doSample = bool(file, root, "do_sample", DEFAULTS.doSample);
        double temperature = number(file, root, "temperature", DEFAULTS.temperature);
        // an explicit null is no top-k filter at all (generate adds none), unlike an absent key (50)
        double topK = root.has("top_k") && root.get("top_k").isNull() ? 0 : number(file, root, "top_k", DEFAULTS.topK);
        double topP = number(file, root, "top_p", DEFAULTS.topP);
        double minP = number(file, root, "min_p", DEFAULTS.minP);
        double penalty = number(file, root, "repetition_penalty", DEFAULTS.repetitionPenalty);
        if (doSample) { // generate checks these only when it samples, and so do we (beyond SamplingParams' ranges)
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new BadInputException(file, "\"temperature\" must be a finite number > 0 when \"do_sample\" is"
                        + " true, got " + temperature);
            }
            if (topK < 0 || topK != Math.rint(topK) || topK > Integer.MAX_VALUE) {
                throw new BadInputException(file, "\"top_k\" must be an integer >= 0 (0: all tokens), got "
                        + root.get("top_k"));
            }
        }
        GenerationConfig c = doSample ? new GenerationConfig(file, true, temperature, (int) topK, topP, minP, penalty)
                : new GenerationConfig(file, false, DEFAULTS.temperature, DEFAULTS.topK, DEFAULTS.topP, DEFAULTS.minP,
                        penalty);
        try {
            c.sampling(1); // the sampler's own ranges: repetition_penalty > 0, top_p in (0, 1], min_p in [0, 1]
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, e.getMessage());
        }
        return c;
    }

    /**
     * The file's JSON object: one line naming it when it is not valid JSON or not an object, or is too large to be one
     * (a few hundred bytes in every hub folder; a huge one would fill the heap).
     */
    public static JsonNode json(Path file) {
        JsonNode root;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new BadInputException(file, "a generation config of " + Files.size(file) + " bytes; at most "
                        + MAX_BYTES + " are read");
            }
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + JsonErrors.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file, "expected a JSON object at the top");
        }
        return root;
    }

    /**
     * The sampler's settings with a limit of {@code maxNewTokens}: greedy (with the repetition penalty) unless
     * {@code do_sample}, then the file's temperature, top_k, top_p and min_p.
     */
    public SamplingParams sampling(int maxNewTokens) {
        return doSample ? new SamplingParams(temperature, topK, topP, maxNewTokens, repetitionPenalty, minP)
                : new SamplingParams(0.0, 0, 1.0, maxNewTokens, repetitionPenalty, 0.0);
    }

    private static boolean isNeutral(JsonNode v, Object neutral) {
        if (v.isNull() || (v.isContainerNode() && v.isEmpty())) {
            return true;
        }
        if (neutral instanceof Double d) {
            return v.isNumber() && v.asDouble() == d;
        }
        if (neutral instanceof Boolean b) {
            return v.isBoolean() && v.asBoolean() == b;
        }
        return false;
    }

    private static double number(Path file, JsonNode root, String key, double dflt) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new BadInputException(file, "\"" + key + "\" must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static boolean bool(Path file, JsonNode root, String key, boolean dflt) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new BadInputException(file, "\"" + key + "\" must be true or false, got " + v);
        }
        return v.asBoolean();
    }
}
