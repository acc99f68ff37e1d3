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

    public static Qwen2VLConfig load(Path configJson) {
        Json j = Json.read(configJson);
        String type = j.string("model_type", "");
        if (!type.equals("qwen2_vl")) {
            throw new BadInputException(configJson, "model_type is \"" + type + "\", expected \"qwen2_vl\"");
        }
        Json rope = j.object("rope_scaling");
        int[] section;
        if (rope == null) {
            throw new BadInputException(configJson, "missing \"rope_scaling\" (Qwen2-VL needs mrope_section)");
        } else {
            // hub configs say "mrope"; transformers rewrites it to "default" when it saves
            String rt = rope.string("type", rope.string("rope_type", "default"));
            if (!rt.equals("mrope") && !rt.equals("default")) {
                throw new BadInputException(configJson, "rope_scaling.type \"" + rt + "\" is not supported (mrope or default)");
            }
            section = rope.integers("mrope_section", null);
            if (section.length != 3) {
                throw new BadInputException(configJson, "rope_scaling.mrope_section must have 3 entries (t, h, w)");
            }
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
        int[] eos;
        Object e = j.raw().get("eos_token_id");
        if (e instanceof List<?>) {
            eos = j.integers("eos_token_id", null);
        } else {
            eos = e == null ? new int[0] : new int[] {j.integer("eos_token_id", null)};
        }
        String act2 = j.string("hidden_act", "silu");
        if (!act2.equals("silu")) {
            throw new BadInputException(configJson, "hidden_act \"" + act2 + "\" is not supported (silu)");
        }
        Qwen2VLConfig c = new Qwen2VLConfig(
                j.integer("vocab_size", 152064),
                j.integer("hidden_size", 8192),
                j.integer("intermediate_size", 29568),
                j.integer("num_hidden_layers", 80),
                j.integer("num_attention_heads", 64),
                j.integer("num_key_value_heads", 8),
                j.number("rms_norm_eps", 1e-5),
                j.number("rope_theta", 1000000.0),
                section,
                j.bool("tie_word_embeddings", false),
                j.integer("image_token_id", 151655),
                j.integer("video_token_id", 151656),
                j.integer("vision_start_token_id", 151652),
                j.integer("vision_end_token_id", 151653),
                eos,
                j.has("pad_token_id") ? j.integer("pad_token_id", null) : -1,
                j.string("torch_dtype", "float32"),
                j.has("max_position_embeddings") ? j.integer("max_position_embeddings", null) : Integer.MAX_VALUE,
                vision);
        c.check(configJson);
        return c;
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
