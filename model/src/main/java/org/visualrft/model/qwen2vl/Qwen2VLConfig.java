package org.visualrft.model.qwen2vl;

import java.nio.file.Path;
import java.util.List;
import org.visualrft.core.BadInputException;

/**
 * A Qwen2-VL model's shape, read from a Hugging Face {@code config.json}. Absent keys take the defaults of
 * transformers' {@code Qwen2VLConfig} / {@code Qwen2VLVisionConfig} (the released hub configs leave several out).
 */
public record Qwen2VLConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        double rmsNormEps,
        double ropeTheta,
        int[] mropeSection,
        boolean tieWordEmbeddings,
        int imageTokenId,
        int videoTokenId,
        int visionStartTokenId,
        int visionEndTokenId,
        int[] eosTokenIds,
        int padTokenId,
        String torchDtype,
        int maxPositionEmbeddings,
        Vision vision) {

    /** The vision tower's shape ({@code vision_config}). */
    public record Vision(
            int depth,
            int embedDim,
            int hiddenSize,
            String hiddenAct,
            int mlpRatio,
            int numHeads,
            int inChannels,
            int patchSize,
            int spatialMergeSize,
            int temporalPatchSize) {

        public int headDim() {
            return embedDim / numHeads;
        }

        public int mlpDim() {
            return embedDim * mlpRatio;
        }

        /** Width of one flattened patch row of pixel_values: channels × temporal × patch × patch. */
        public int patchDim() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /**
     * Reads either layout: the hub files' (language-model fields at the top level, {@code rope_scaling},
     * {@code torch_dtype}) or the one transformers 5 writes ({@code text_config} holding them, {@code rope_parameters},
     * {@code dtype}).
     */
    public static Qwen2VLConfig load(Path configJson) {
        Json j = Json.read(configJson);
        String type = j.string("model_type", "");
        if (!type.equals("qwen2_vl")) {
            throw new BadInputException(configJson, "model_type is \"" + type + "\", expected \"qwen2_vl\"");
        }
        if (j.has("quantization_config")) {
            // AWQ/GPTQ/FP8 folders store other tensors (qweight, scales, ...) under the projections' names
            throw new BadInputException(configJson, "quantization_config: quantized checkpoints are not supported;"
                    + " use the model's bfloat16 or float32 weights");
        }
        Json tc = j.object("text_config");
        // the language model's fields: text_config's, else the top level's (files between the layouts mix them)
        Json t = tc == null ? j : j.overlaidWith(tc);
        String tp = tc == null ? "" : "text_config.";
        Json rope = t.object("rope_scaling") != null ? t.object("rope_scaling") : t.object("rope_parameters");
        String rp = tp + (t.object("rope_scaling") != null ? "rope_scaling" : "rope_parameters");
        int[] section;
        if (rope == null) {
            throw new BadInputException(configJson, "missing \"" + tp + "rope_scaling\" (Qwen2-VL needs mrope_section)");
        } else {
            // hub configs say "mrope"; transformers rewrites it to "default" when it saves
            String rt = rope.string("type", rope.string("rope_type", "default"));
            if (!rt.equals("mrope") && !rt.equals("default")) {
                throw new BadInputException(configJson, rp + ".type \"" + rt + "\" is not supported (mrope or default)");
            }
            section = rope.integers("mrope_section", null);
            if (section.length != 3) {
                throw new BadInputException(configJson, rp + ".mrope_section must have 3 entries (t, h, w)");
            }
        }
        if (t.bool("use_sliding_window", false)) {
            throw new BadInputException(configJson, tp + "use_sliding_window is true; sliding-window attention is not supported");
        }
        Json v = j.object("vision_config");
        if (v == null) {
            throw new BadInputException(configJson, "missing \"vision_config\"");
        }
        String act = v.string("hidden_act", "quick_gelu");
        if (!act.equals("quick_gelu") && !act.equals("gelu")) {
            throw new BadInputException(configJson, "vision_config.hidden_act \"" + act + "\" is not supported (quick_gelu, gelu)");
        }
        Vision vision = new Vision(
                v.integer("depth", 32),
                v.integer("embed_dim", 1280),
                v.integer("hidden_size", 3584),
                act,
                v.integer("mlp_ratio", 4),
                v.integer("num_heads", 16),
                v.integer("in_channels", v.integer("in_chans", 3)),
                v.integer("patch_size", v.integer("spatial_patch_size", 14)),
                v.integer("spatial_merge_size", 2),
                v.integer("temporal_patch_size", 2));
        int[] eos = ids(t.has("eos_token_id") ? t : j, "eos_token_id");
        String act2 = t.string("hidden_act", "silu");
        if (!act2.equals("silu")) {
            throw new BadInputException(configJson, tp + "hidden_act \"" + act2 + "\" is not supported (silu)");
        }
        // the token ids and the dtype live at the top in both layouts (text_config may repeat them)
        Json ids = j.has("image_token_id") || tc == null ? j : tc;
        String dtype = j.has("torch_dtype") ? j.string("torch_dtype", null) : j.has("dtype") ? j.string("dtype", null)
                : t.has("torch_dtype") ? t.string("torch_dtype", null) : t.string("dtype", "float32");
        Qwen2VLConfig c = new Qwen2VLConfig(
                t.integer("vocab_size", 152064),
                t.integer("hidden_size", 8192),
                t.integer("intermediate_size", 29568),
                t.integer("num_hidden_layers", 80),
                t.integer("num_attention_heads", 64),
                t.integer("num_key_value_heads", 8),
                t.number("rms_norm_eps", 1e-5),
                rope.has("rope_theta") ? rope.number("rope_theta", null) : t.number("rope_theta", 1000000.0),
                section,
                t.bool("tie_word_embeddings", j.bool("tie_word_embeddings", false)),
                ids.integer("image_token_id", 151655),
                ids.integer("video_token_id", 151656),
                ids.integer("vision_start_token_id", 151652),
                ids.integer("vision_end_token_id", 151653),
                eos,
                t.has("pad_token_id") ? t.integer("pad_token_id", null) : j.has("pad_token_id") ? j.integer("pad_token_id", null) : -1,
                dtype,
                t.has("max_position_embeddings") ? t.integer("max_position_embeddings", null) : Integer.MAX_VALUE,
                vision);
        c.check(configJson);
        return c;
    }

    /** An id or a list of ids ({@code eos_token_id} is a list in some files); none when absent. */
    private static int[] ids(Json j, String key) {
        Object e = j.raw().get(key);
        if (e instanceof List<?>) {
            return j.integers(key, null);
        }
        return e == null ? new int[0] : new int[] {j.integer(key, null)};
    }

    private static void positive(Path file, String key, int v, int max) {
        if (v < 1 || v > max) {
            throw new BadInputException(file, key + " must be between 1 and " + max + ", got " + v);
        }
    }

    private void tokenId(Path file, String key, int id) {
        if (id < 0 || id >= vocabSize) {
            throw new BadInputException(file, key + " " + id + " is outside the vocabulary (vocab_size "
                    + vocabSize + ")");
        }
    }

    private void check(Path file) {
        // ranges first (named as in config.json), so that no size product below can overflow or divide by zero
        positive(file, "vocab_size", vocabSize, 1 << 24);
        positive(file, "hidden_size", hiddenSize, 1 << 16);
        positive(file, "intermediate_size", intermediateSize, 1 << 18);
        positive(file, "num_hidden_layers", numLayers, 1024);
        positive(file, "num_attention_heads", numHeads, 1024);
        positive(file, "num_key_value_heads", numKvHeads, 1024);
        positive(file, "max_position_embeddings", maxPositionEmbeddings, Integer.MAX_VALUE);
        if (!(Double.isFinite(rmsNormEps) && rmsNormEps > 0 && rmsNormEps < 1)) {
            throw new BadInputException(file, "rms_norm_eps must be in (0, 1) (e.g. 1e-6), got " + rmsNormEps);
        }
        if (!(Double.isFinite(ropeTheta) && ropeTheta > 0)) {
            throw new BadInputException(file, "rope_theta must be a positive number, got " + ropeTheta);
        }
        for (int s : mropeSection) {
            if (s < 0) {
                throw new BadInputException(file, "rope_scaling.mrope_section entries must be 0 or more, got " + s);
            }
        }
        String[] idNames = {"image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"};
        int[] ids = {imageTokenId, videoTokenId, visionStartTokenId, visionEndTokenId};
        for (int i = 0; i < ids.length; i++) {
            tokenId(file, idNames[i], ids[i]);
        }
        for (int e : eosTokenIds) {
            tokenId(file, "eos_token_id", e);
        }
        positive(file, "vision_config.depth", vision.depth, 1024);
        positive(file, "vision_config.embed_dim", vision.embedDim, 1 << 16);
        positive(file, "vision_config.mlp_ratio", vision.mlpRatio, 64);
        positive(file, "vision_config.num_heads", vision.numHeads, 1024);
        positive(file, "vision_config.in_channels", vision.inChannels, 4);
        positive(file, "vision_config.patch_size", vision.patchSize, 1024);
        positive(file, "vision_config.spatial_merge_size", vision.spatialMergeSize, 64);
        positive(file, "vision_config.temporal_patch_size", vision.temporalPatchSize, 64);
        if (hiddenSize % numHeads != 0) {
            throw new BadInputException(file, "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (numHeads % numKvHeads != 0) {
            throw new BadInputException(file, "num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        int half = headDim() / 2;
        if (mropeSection[0] + mropeSection[1] + mropeSection[2] != half) {
            throw new BadInputException(file, "mrope_section sums to " + (mropeSection[0] + mropeSection[1] + mropeSection[2])
                    + " but head_dim/2 is " + half);
        }
        if (vision.embedDim % vision.numHeads != 0) {
            throw new BadInputException(file, "vision_config.embed_dim is not a multiple of num_heads");
        }
        if (vision.hiddenSize != hiddenSize) {
            throw new BadInputException(file, "vision_config.hidden_size " + vision.hiddenSize + " differs from hidden_size " + hiddenSize);
        }
    }
}
