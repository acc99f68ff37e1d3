package org.visualrft.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.visualrft.core.BadInputException;

/**
 * The shape of a Qwen2.5-VL or Qwen3-VL checkpoint, read from its {@code config.json} in either layout: the released
 * hub files' (text fields at the top level, {@code rope_theta} and {@code rope_scaling.mrope_section}) or the one
 * transformers 5 writes ({@code text_config} / {@code vision_config}, {@code rope_parameters}). Absent fields take
 * transformers' class defaults. An unknown field, a wrong type, or fields that contradict each other are a one-line
 * {@link BadInputException} naming the file and the field.
 */
public record QwenVlConfig(
        Family family,
        Text text,
        Vision vision,
        int imageTokenId,
        int videoTokenId,
        int visionStartTokenId,
        int visionEndTokenId,
        int[] eosTokenIds,
        int padTokenId,
        String torchDtype) {

    /** The model families this package runs, by {@code model_type}. */
    public enum Family {
        QWEN2_5_VL("qwen2_5_vl"),
        QWEN3_VL("qwen3_vl");

        public final String modelType;

        Family(String modelType) {
            this.modelType = modelType;
        }

        public static Family of(String modelType) {
            for (Family f : values()) {
                if (f.modelType.equals(modelType)) {
                    return f;
                }
            }
            return null;
        }
    }

    /**
     * The language model. {@code qkvBias}: biases on q/k/v (Qwen2.5); {@code qkNorm}: RMSNorm of each head of q and k
     * before the rotation (Qwen3); {@code mropeInterleaved}: Qwen3's t,h,w,t,h,w… frequency layout instead of chunks;
     * {@code maxPositionEmbeddings}: the positions it was trained for (Integer.MAX_VALUE when the config names none).
     */
    public record Text(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
                       int headDim, double rmsNormEps, double ropeTheta, int[] mropeSection, boolean mropeInterleaved,
                       boolean qkvBias, boolean qkNorm, boolean tieWordEmbeddings, int maxPositionEmbeddings) {
    }

    /**
     * The vision tower. Qwen2.5-VL: {@code windowSize} in pixels and {@code fullAttentionBlocks}; Qwen3-VL:
     * {@code numPositionEmbeddings} learned positions (a square grid) and the {@code deepstackBlocks} whose outputs
     * feed the first decoder layers.
     */
    public record Vision(int depth, int hiddenSize, int intermediateSize, int numHeads, int inChannels, int patchSize,
                         int spatialMergeSize, int temporalPatchSize, int outHiddenSize, String hiddenAct,
                         int windowSize, int[] fullAttentionBlocks, int numPositionEmbeddings, int[] deepstackBlocks) {
        public int headDim() {
            return hiddenSize / numHeads;
        }

        /** Width of one flattened patch row of pixel_values: channels × temporal × patch × patch. */
        public int patchDim() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }
    }

    // fields transformers writes that do not change the forward pass of a float32/bf16 inference or LoRA step
    private static final Set<String> TOP_IGNORABLE = Set.of("architectures", "transformers_version", "_name_or_path",
            "initializer_range", "use_cache", "bos_token_id", "vision_token_id", "attention_dropout", "max_position_embeddings",
            "max_window_layers", "sliding_window", "use_sliding_window", "layer_types", "output_attentions",
            "output_hidden_states", "return_dict", "keys_to_ignore_at_inference", "pad_token_id", "image_processor_type", "processor_class",
            "_attn_implementation_autoset", "is_encoder_decoder", "torchscript", "use_return_dict", "chunk_size_feed_forward",
            "quantization_config_none");
    private static final Set<String> TEXT_IGNORABLE = Set.of("model_type", "initializer_range", "use_cache", "bos_token_id",
            "attention_dropout", "max_position_embeddings", "max_window_layers", "sliding_window", "use_sliding_window",
            "layer_types", "dtype", "torch_dtype", "eos_token_id", "pad_token_id", "_name_or_path", "architectures",
            "transformers_version", "image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id",
            "vision_token_id",
            "output_attentions", "output_hidden_states", "return_dict");
    private static final Set<String> VISION_IGNORABLE = Set.of("model_type", "initializer_range", "tokens_per_second",
            "dtype", "torch_dtype", "_name_or_path", "architectures", "transformers_version", "embed_dim",
            "output_attentions", "output_hidden_states", "return_dict");
    private static final Set<String> ROPE_IGNORABLE = Set.of("factor", "original_max_position_embeddings");

    public int headDim() {
        return text.headDim();
    }

    /** config.json is a few KiB in every folder: a larger one is refused unread (it could fill the heap). */
    static final long MAX_BYTES = 16L << 20;

    public static QwenVlConfig load(Path file) {
        JsonNode root;
        try {
            if (java.nio.file.Files.isRegularFile(file) && java.nio.file.Files.size(file) > MAX_BYTES) {
                throw new BadInputException(file, "a file of " + java.nio.file.Files.size(file) + " bytes; at most "
                        + MAX_BYTES + " are read");
            }
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: "
                    + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file, "not a JSON object");
        }
        ConfigSection top = new ConfigSection(file, "", root, TOP_IGNORABLE);
        if (top.has("quantization_config")) {
            // AWQ/GPTQ/FP8 folders store other tensors (qweight, scales, ...) under the projections' names
            throw top.fault("quantization_config", "is set: quantized checkpoints are not supported; use the model's"
                    + " bfloat16 or float32 weights");
        }
        String type = top.string("model_type", "");
        Family family = Family.of(type);
        if (family == null) {
            throw top.fault("model_type", "is \"" + type + "\", expected qwen2_5_vl or qwen3_vl");
        }
        boolean q3 = family == Family.QWEN3_VL;
        // transformers 5 nests the language model's fields; the hub's Qwen2.5-VL files keep them at the top level
        ConfigSection tc = top.object("text_config", TEXT_IGNORABLE);
        ConfigSection t = tc == null ? top : tc;
        String tt = t.string("model_type", null);
        if (tc != null && tt != null && !tt.equals(type + "_text") && !tt.equals(type)) {
            throw tc.fault("model_type", "is \"" + tt + "\" inside a " + type + " config");
        }
        String act = t.string("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw t.fault("hidden_act", "is \"" + act + "\"; only silu is supported");
        }
        int hidden = t.integer("hidden_size", q3 ? 4096 : 3584);
        int heads = t.integer("num_attention_heads", q3 ? 32 : 28);
        int headDim = t.integer("head_dim", q3 ? 128 : hidden / Math.max(1, heads));
        double theta = t.number("rope_theta", Double.NaN);
        int[] section = null;
        Boolean interleaved = null;
        for (String key : new String[] {"rope_parameters", "rope_scaling"}) {
            ConfigSection r = t.object(key, ROPE_IGNORABLE);
            if (r == null) {
                continue;
            }
            String rt = r.string("rope_type", r.string("type", "default"));
            // hub files say "mrope"; transformers rewrites it to "default" when it saves
            if (!rt.equals("default") && !rt.equals("mrope")) {
                throw r.fault(r.has("rope_type") ? "rope_type" : "type", "is \"" + rt + "\"; only default/mrope rotary embeddings are supported");
            }
            if (r.has("rope_theta")) {
                theta = r.number("rope_theta", theta);
            }
            if (r.has("mrope_section")) {
                section = r.integers("mrope_section", null);
                if (section.length != 3) {
                    throw r.fault("mrope_section", "must have 3 entries (t, h, w), got " + Arrays.toString(section));
                }
            }
            if (r.has("mrope_interleaved")) {
                interleaved = r.bool("mrope_interleaved", q3);
            }
            r.checkNoUnknown();
        }
        if (Double.isNaN(theta)) {
            theta = q3 ? 5_000_000.0 : 1_000_000.0;
        }
        if (section == null) {
            section = q3 ? new int[] {24, 20, 20} : new int[] {16, 24, 24};
        }
        if (interleaved != null && interleaved != q3) {
            throw t.fault(t.has("rope_parameters") ? "rope_parameters.mrope_interleaved" : "rope_scaling.mrope_interleaved",
                    "is " + interleaved + " but " + type + " always uses " + (q3 ? "interleaved" : "chunked") + " M-RoPE");
        }
        if (t.bool("use_sliding_window", false)) {
            throw t.fault("use_sliding_window", "is true; sliding-window attention in the decoder is not supported");
        }
        boolean bias = t.bool("attention_bias", !q3);
        if (!q3 && !bias) {
            throw t.fault("attention_bias", "is false but Qwen2.5-VL's q/k/v projections always carry biases");
        }
        boolean tieTop = top.bool("tie_word_embeddings", false);
        boolean tie = tc == null ? tieTop : tc.bool("tie_word_embeddings", tieTop);
        Text text = new Text(
                t.integer("vocab_size", 151936),
                hidden,
                t.integer("intermediate_size", q3 ? 22016 : 18944),
                t.integer("num_hidden_layers", q3 ? 32 : 28),
                heads,
                t.integer("num_key_value_heads", q3 ? 32 : 4),
                headDim,
                t.number("rms_norm_eps", 1e-6),
                theta,
                section,
                q3,
                bias,
                q3,
                tie,
                t.has("max_position_embeddings") ? t.integer("max_position_embeddings", 0)
                        : top.has("max_position_embeddings") ? top.integer("max_position_embeddings", 0)
                        : Integer.MAX_VALUE);
        int[] eos = t.integers("eos_token_id", top.integers("eos_token_id", new int[0]));
        int pad = t.has("pad_token_id") ? t.integer("pad_token_id", -1) : top.integer("pad_token_id", -1);
        String dtype = top.string("torch_dtype", top.string("dtype", tc == null ? "float32" : tc.string("dtype", tc.string("torch_dtype", "float32"))));

        ConfigSection v = top.object("vision_config", VISION_IGNORABLE);
        if (v == null) {
            throw new BadInputException(file, "field \"vision_config\" is missing");
        }
        String vt = v.string("model_type", null);
        if (vt != null && !vt.equals(type + "_vision") && !vt.equals(type)) {
            throw v.fault("model_type", "is \"" + vt + "\" inside a " + type + " config");
        }
        String vact = v.string("hidden_act", q3 ? "gelu_pytorch_tanh" : "silu");
        if (!vact.equals(q3 ? "gelu_pytorch_tanh" : "silu")) {
            throw v.fault("hidden_act", "is \"" + vact + "\"; " + type + " supports " + (q3 ? "gelu_pytorch_tanh" : "silu"));
        }
        ConfigSection vr = v.object("rope_parameters", ROPE_IGNORABLE);
        if (vr != null) {
            // the vision tower's 2-D rotary embedding: transformers 5 records it; only its fixed base is supported
            String rt = vr.string("rope_type", "axial");
            if (!rt.equals("axial") && !rt.equals("default")) {
                throw vr.fault("rope_type", "is \"" + rt + "\"; the vision tower's rotary embedding is axial");
            }
            if (vr.number("rope_theta", 10000.0) != 10000.0) {
                throw vr.fault("rope_theta", "must be 10000 (the vision tower's fixed rotary base)");
            }
            vr.checkNoUnknown();
        }
        int vHidden = v.integer("hidden_size", q3 ? 1152 : 1280);
        Vision vision = new Vision(
                v.integer("depth", q3 ? 27 : 32),
                vHidden,
                v.integer("intermediate_size", q3 ? 4304 : 3420),
                v.integer("num_heads", 16),
                v.integer("in_channels", v.integer("in_chans", 3)),
                v.integer("patch_size", v.integer("spatial_patch_size", q3 ? 16 : 14)),
                v.integer("spatial_merge_size", 2),
                v.integer("temporal_patch_size", 2),
                v.integer("out_hidden_size", q3 ? 3584 : 3584),
                vact,
                q3 ? 0 : v.integer("window_size", 112),
                q3 ? new int[0] : v.integers("fullatt_block_indexes", new int[] {7, 15, 23, 31}),
                q3 ? v.integer("num_position_embeddings", 2304) : 0,
                q3 ? v.integers("deepstack_visual_indexes", new int[] {8, 16, 24}) : new int[0]);
        v.checkNoUnknown();

        QwenVlConfig c = new QwenVlConfig(family, text, vision,
                top.integer("image_token_id", 151655),
                top.integer("video_token_id", 151656),
                top.integer("vision_start_token_id", 151652),
                top.integer("vision_end_token_id", 151653),
                eos, pad, dtype);
        if (tc != null) {
            tc.checkNoUnknown();
            // transformers 4.52-4.56 saved text_config and kept copies of its fields (and rope_scaling) at the top
            // level; the model is built from text_config, as transformers builds it
            top.ignoreFieldsOf(tc, "rope_scaling", "rope_parameters", "rope_theta");
        }
        top.checkNoUnknown();
        c.check(top, t, v);
        return c;
    }

    /** Fails unless {@code value} is in 1..max: sizes of zero would divide by zero or build empty tensors. */
    private static void positive(ConfigSection s, String key, long value, long max) {
        if (value < 1 || value > max) {
            throw s.fault(key, "must be between 1 and " + max + ", got " + value);
        }
    }

    private void check(ConfigSection top, ConfigSection t, ConfigSection v) {
        Text x = text;
        // ranges first, so that no size product below can overflow or divide by zero
        positive(t, "vocab_size", x.vocabSize(), 1 << 24);
        positive(t, "hidden_size", x.hiddenSize(), 1 << 16);
        positive(t, "intermediate_size", x.intermediateSize(), 1 << 18);
        positive(t, "num_hidden_layers", x.numLayers(), 1024);
        positive(t, "num_attention_heads", x.numHeads(), 1024);
        positive(t, "num_key_value_heads", x.numKvHeads(), 1024);
        positive(t, "head_dim", x.headDim(), 1 << 12);
        positive(t, "max_position_embeddings", x.maxPositionEmbeddings(), Integer.MAX_VALUE);
        if (!(Double.isFinite(x.rmsNormEps()) && x.rmsNormEps() > 0 && x.rmsNormEps() < 1)) {
            throw t.fault("rms_norm_eps", "must be in (0, 1) (e.g. 1e-6), got " + x.rmsNormEps());
        }
        if (!(Double.isFinite(x.ropeTheta()) && x.ropeTheta() > 0)) {
            throw t.fault("rope_theta", "must be a positive number, got " + x.ropeTheta());
        }
        for (int m : x.mropeSection()) {
            if (m < 0) {
                throw t.fault(t.has("rope_parameters") ? "rope_parameters.mrope_section" : "rope_scaling.mrope_section",
                        "entries must be 0 or more, got " + Arrays.toString(x.mropeSection()));
            }
        }
        positive(v, "depth", vision.depth(), 1024);
        positive(v, "hidden_size", vision.hiddenSize(), 1 << 16);
        positive(v, "intermediate_size", vision.intermediateSize(), 1 << 18);
        positive(v, "num_heads", vision.numHeads(), 1024);
        positive(v, "in_channels", vision.inChannels(), 4);
        positive(v, "patch_size", vision.patchSize(), 1024);
        positive(v, "spatial_merge_size", vision.spatialMergeSize(), 64);
        positive(v, "temporal_patch_size", vision.temporalPatchSize(), 64);
        positive(v, "out_hidden_size", vision.outHiddenSize(), 1 << 16);
        if (family == Family.QWEN3_VL) {
            positive(v, "num_position_embeddings", vision.numPositionEmbeddings(), 1 << 24);
        }
        String[] idNames = {"image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"};
        int[] ids = {imageTokenId, videoTokenId, visionStartTokenId, visionEndTokenId};
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= x.vocabSize()) {
                throw top.fault(idNames[i], "(" + ids[i] + ") is outside the vocabulary (vocab_size " + x.vocabSize() + ")");
            }
        }
        for (int e : eosTokenIds) {
            if (e < 0 || e >= x.vocabSize()) {
                throw (t.has("eos_token_id") ? t : top).fault("eos_token_id", "(" + e + ") is outside the vocabulary (vocab_size " + x.vocabSize() + ")");
            }
        }
        if (x.numKvHeads() <= 0 || x.numHeads() % x.numKvHeads() != 0) {
            throw t.fault("num_key_value_heads", "(" + x.numKvHeads() + ") does not divide num_attention_heads " + x.numHeads());
        }
        if (family == Family.QWEN2_5_VL && x.headDim() * x.numHeads() != x.hiddenSize()) {
            throw t.fault("hidden_size", "(" + x.hiddenSize() + ") is not num_attention_heads × head_dim");
        }
        int sum = x.mropeSection()[0] + x.mropeSection()[1] + x.mropeSection()[2];
        if (sum != x.headDim() / 2) {
            throw t.fault(t.has("rope_parameters") ? "rope_parameters.mrope_section" : "rope_scaling.mrope_section",
                    "sums to " + sum + " but head_dim/2 is " + x.headDim() / 2);
        }
        if (vision.hiddenSize() % vision.numHeads() != 0) {
            throw v.fault("num_heads", "(" + vision.numHeads() + ") does not divide hidden_size " + vision.hiddenSize());
        }
        if (vision.outHiddenSize() != x.hiddenSize()) {
            throw v.fault("out_hidden_size", "(" + vision.outHiddenSize() + ") differs from the language model's hidden_size " + x.hiddenSize());
        }
        for (int b : vision.fullAttentionBlocks()) {
            if (b < 0 || b >= vision.depth()) {
                throw v.fault("fullatt_block_indexes", "names block " + b + " of a " + vision.depth() + "-block tower");
            }
        }
        for (int b : vision.deepstackBlocks()) {
            if (b < 0 || b >= vision.depth()) {
                throw v.fault("deepstack_visual_indexes", "names block " + b + " of a " + vision.depth() + "-block tower");
            }
        }
        if (vision.deepstackBlocks().length > x.numLayers()) {
            throw v.fault("deepstack_visual_indexes", "feeds " + vision.deepstackBlocks().length + " decoder layers of " + x.numLayers());
        }
        if (family == Family.QWEN2_5_VL) {
            int unit = vision.patchSize() * vision.spatialMergeSize();
            if (vision.windowSize() <= 0 || vision.windowSize() % unit != 0) {
                throw v.fault("window_size", "(" + vision.windowSize() + ") is not a positive multiple of patch_size × spatial_merge_size = " + unit);
            }
        } else {
            int side = (int) Math.round(Math.sqrt(vision.numPositionEmbeddings()));
            if (side * side != vision.numPositionEmbeddings()) {
                throw v.fault("num_position_embeddings", "(" + vision.numPositionEmbeddings() + ") is not a square grid");
            }
        }
    }
}
