package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

/** config.json reading: transformers' diff-only files, the Hub's spelling, and faults named by file and key. */
class Qwen2VLConfigTest {
    @TempDir
    Path tmp;

    @Test
    void fixtureConfigGetsTheVisionDefaultsItLeavesOut() {
        Qwen2VLConfig c = Qwen2VLConfig.load(Fixture.DIR.resolve("config.json"));
        assertEquals("quick_gelu", c.vision().hiddenAct());
        assertEquals(3, c.vision().inChannels());
        assertEquals(14, c.vision().patchSize());
        assertEquals(2, c.vision().spatialMergeSize());
        assertEquals(2, c.vision().temporalPatchSize());
        assertArrayEquals(new int[] {2, 3, 3}, c.mropeSection());
        assertArrayEquals(new int[] {303}, c.eosTokenIds());
        assertEquals(16, c.headDim());
    }

    @Test
    void hubStyleConfigWithMropeTypeAndInChansLoads() throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, """
                {"model_type": "qwen2_vl", "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
                 "num_attention_heads": 12, "num_key_value_heads": 2, "vocab_size": 151936, "rms_norm_eps": 1e-06,
                 "tie_word_embeddings": true, "eos_token_id": 151645, "torch_dtype": "bfloat16",
                 "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
                 "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                                   "hidden_size": 1536, "spatial_patch_size": 14, "temporal_patch_size": 2}}
                """);
        Qwen2VLConfig c = Qwen2VLConfig.load(f);
        assertEquals("quick_gelu", c.vision().hiddenAct());
        assertEquals(128, c.headDim());
        assertEquals(151655, c.imageTokenId());
        assertEquals(1176, c.vision().patchDim());
        assertTrue(c.tieWordEmbeddings());
    }

    @Test
    void faultsNameTheFile() throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"model_type\": \"llama\"}");
        BadInputException e = assertThrows(BadInputException.class, () -> Qwen2VLConfig.load(f));
        assertEquals(f.toString(), e.source());
        Files.writeString(f, "{\"model_type\": \"qwen2_vl\", \"rope_scaling\": {\"type\": \"yarn\", \"mrope_section\": [1,1,1]}, \"vision_config\": {}}");
        e = assertThrows(BadInputException.class, () -> Qwen2VLConfig.load(f));
        assertTrue(e.fault().contains("yarn"), e.fault());
        Files.writeString(f, "{not json");
        e = assertThrows(BadInputException.class, () -> Qwen2VLConfig.load(f));
        assertTrue(e.fault().startsWith("not valid JSON"), e.fault());
        e = assertThrows(BadInputException.class, () -> Qwen2VLConfig.load(tmp.resolve("missing.json")));
        assertEquals("file not found", e.fault());
    }

    /**
     * The fixture's config in the layout transformers 5 writes for Qwen2-VL (modelled on its own qwen25vl-tiny save):
     * the language model's fields in {@code text_config}, {@code rope_parameters} with the theta inside, {@code dtype}.
     */
    static ObjectNode transformers5Layout(Path flatConfig, String dtype) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode flat = (ObjectNode) json.readTree(flatConfig.toFile());
        ObjectNode out = json.createObjectNode();
        ObjectNode text = json.createObjectNode();
        List<String> top = List.of("architectures", "image_token_id", "model_type", "tie_word_embeddings",
                "transformers_version", "video_token_id", "vision_config", "vision_end_token_id", "vision_start_token_id");
        flat.fields().forEachRemaining(e -> {
            if (top.contains(e.getKey())) {
                out.set(e.getKey(), e.getValue());
            } else if (!e.getKey().equals("torch_dtype") && !e.getKey().equals("rope_scaling") && !e.getKey().equals("rope_theta")) {
                text.set(e.getKey(), e.getValue());
            }
        });
        ObjectNode rope = text.putObject("rope_parameters");
        rope.set("mrope_section", flat.get("rope_scaling").get("mrope_section"));
        rope.put("rope_theta", flat.get("rope_theta").asDouble());
        rope.put("rope_type", "default");
        text.put("model_type", "qwen2_vl_text");
        out.set("text_config", text);
        out.put("dtype", dtype);
        out.put("transformers_version", "5.17.0");
        return out;
    }

    static void assertSameConfig(Qwen2VLConfig a, Qwen2VLConfig b) throws Exception {
        for (RecordComponent rc : Qwen2VLConfig.class.getRecordComponents()) {
            Object x = rc.getAccessor().invoke(a);
            Object y = rc.getAccessor().invoke(b);
            assertTrue(Objects.deepEquals(x, y), rc.getName() + ": " + x + " vs " + y);
        }
    }

    /** A Qwen2-VL folder saved by transformers 5 was refused ("missing rope_scaling"); it reads as the hub layout does. */
    @Test
    void transformers5LayoutReadsAsTheHubLayout() throws Exception {
        Path f = tmp.resolve("config.json");
        Files.write(f, new ObjectMapper().writeValueAsBytes(transformers5Layout(Fixture.DIR.resolve("config.json"), "bfloat16")));
        Qwen2VLConfig nested = Qwen2VLConfig.load(f);
        Qwen2VLConfig flat = Qwen2VLConfig.load(Fixture.DIR.resolve("config.json"));
        assertEquals("bfloat16", nested.torchDtype(), "transformers 5 writes dtype, not torch_dtype");
        assertEquals(32768, nested.maxPositionEmbeddings());
        assertSameConfig(flat, new Qwen2VLConfig(nested.vocabSize(), nested.hiddenSize(), nested.intermediateSize(),
                nested.numLayers(), nested.numHeads(), nested.numKvHeads(), nested.rmsNormEps(), nested.ropeTheta(),
                nested.mropeSection(), nested.tieWordEmbeddings(), nested.imageTokenId(), nested.videoTokenId(),
                nested.visionStartTokenId(), nested.visionEndTokenId(), nested.eosTokenIds(), nested.padTokenId(),
                "float32", nested.maxPositionEmbeddings(), nested.vision()));
        // a file between the layouts: text_config without the rope settings, which stay at the top level
        ObjectNode mixed = transformers5Layout(Fixture.DIR.resolve("config.json"), "float32");
        ((ObjectNode) mixed.get("text_config")).remove("rope_parameters");
        ObjectMapper json = new ObjectMapper();
        ObjectNode flatJson = (ObjectNode) json.readTree(Fixture.DIR.resolve("config.json").toFile());
        mixed.set("rope_scaling", flatJson.get("rope_scaling"));
        mixed.set("rope_theta", flatJson.get("rope_theta"));
        Files.write(f, json.writeValueAsBytes(mixed));
        assertSameConfig(flat, Qwen2VLConfig.load(f));
        ObjectNode yarn = transformers5Layout(Fixture.DIR.resolve("config.json"), "float32");
        ((ObjectNode) yarn.get("text_config").get("rope_parameters")).put("rope_type", "yarn");
        Files.write(f, new ObjectMapper().writeValueAsBytes(yarn));
        BadInputException e = assertThrows(BadInputException.class, () -> Qwen2VLConfig.load(f));
        assertTrue(e.fault().contains("text_config.rope_parameters") && e.fault().contains("yarn"), e.fault());
    }
}
