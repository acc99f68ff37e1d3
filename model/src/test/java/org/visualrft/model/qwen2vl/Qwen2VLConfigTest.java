package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
