package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

/** Both config layouts, and one-line faults naming the file and the field. */
class QwenVlConfigTest {
    @TempDir
    Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String name) {
        return QwenVlPolicyTest.fixture(name).resolve("config.json");
    }

    Path write(ObjectNode cfg) throws Exception {
        Path f = Files.createTempFile(tmp, "config", ".json");
        Files.write(f, JSON.writeValueAsBytes(cfg));
        return f;
    }

    ObjectNode read(String name) throws Exception {
        return (ObjectNode) JSON.readTree(fixture(name).toFile());
    }

    /** The hub's layout of the same model: text fields at the top, rope_theta, rope_scaling.mrope_section. */
    ObjectNode flat(String name, String ropeType) throws Exception {
        ObjectNode c = read(name);
        ObjectNode text = (ObjectNode) c.remove("text_config");
        ObjectNode rope = (ObjectNode) text.remove("rope_parameters");
        text.remove("model_type");
        c.setAll(text);
        c.put("rope_theta", rope.get("rope_theta").doubleValue());
        ObjectNode rs = c.putObject("rope_scaling");
        rs.put("type", ropeType);
        rs.putArray("mrope_section").add(name.startsWith("qwen25") ? 16 : 24).add(name.startsWith("qwen25") ? 24 : 20)
                .add(name.startsWith("qwen25") ? 24 : 20);
        if (!name.startsWith("qwen25")) {
            rs.put("mrope_interleaved", true);
        }
        ((ObjectNode) c.get("vision_config")).remove("rope_parameters");
        return c;
    }

    @Test
    void transformers5AndHubLayoutsGiveTheSameModel() throws Exception {
        for (String name : new String[] {"qwen25vl-tiny", "qwen3vl-tiny"}) {
            QwenVlConfig nested = QwenVlConfig.load(fixture(name));
            QwenVlConfig hub = QwenVlConfig.load(write(flat(name, "mrope")));
            assertEquals(nested.text().toString().replaceAll("\\[I@\\w+", ""), hub.text().toString().replaceAll("\\[I@\\w+", ""));
            assertArrayEquals(nested.text().mropeSection(), hub.text().mropeSection());
            assertEquals(256, hub.text().hiddenSize());
            assertEquals(128, hub.text().headDim());
            assertEquals(2, hub.text().numLayers());
            assertArrayEquals(new int[] {303}, hub.eosTokenIds());
        }
        // Qwen3-VL's hub files are nested but say rope_theta + rope_scaling{mrope_interleaved, mrope_section}
        ObjectNode hub3 = read("qwen3vl-tiny");
        ObjectNode t3 = (ObjectNode) hub3.get("text_config");
        t3.remove("rope_parameters");
        t3.put("rope_theta", 500000);
        t3.put("dtype", "bfloat16");
        ObjectNode rs = t3.putObject("rope_scaling");
        rs.put("mrope_interleaved", true);
        rs.putArray("mrope_section").add(24).add(20).add(20);
        rs.put("rope_type", "default");
        ((ObjectNode) hub3.get("vision_config")).remove("rope_parameters");
        ((ObjectNode) hub3.get("vision_config")).put("model_type", "qwen3_vl");
        QwenVlConfig h3 = QwenVlConfig.load(write(hub3));
        assertEquals(500000.0, h3.text().ropeTheta());
        assertTrue(h3.text().mropeInterleaved());
        QwenVlConfig q25 = QwenVlConfig.load(fixture("qwen25vl-tiny"));
        assertEquals(QwenVlConfig.Family.QWEN2_5_VL, q25.family());
        assertArrayEquals(new int[] {16, 24, 24}, q25.text().mropeSection(), "the class default when rope_parameters has none");
        assertFalse(q25.text().mropeInterleaved());
        assertTrue(q25.text().qkvBias());
        assertEquals(56, q25.vision().windowSize());
        assertArrayEquals(new int[] {1}, q25.vision().fullAttentionBlocks());
        QwenVlConfig q3 = QwenVlConfig.load(fixture("qwen3vl-tiny"));
        assertArrayEquals(new int[] {24, 20, 20}, q3.text().mropeSection());
        assertTrue(q3.text().mropeInterleaved());
        assertTrue(q3.text().qkNorm());
        assertFalse(q3.text().qkvBias());
        assertArrayEquals(new int[] {0, 1}, q3.vision().deepstackBlocks());
        assertEquals(64, q3.vision().numPositionEmbeddings());
        assertEquals(500000.0, q3.text().ropeTheta());
    }

    /**
     * The layout transformers 4.52-4.56 saved (e.g. the Qwen2.5-VL-3B-Instruct hub config, "transformers_version":
     * "4.52.4"): text_config with rope_scaling, vision_token_id and null image/video ids, and copies of the text fields
     * and rope_scaling at the top level. It was refused ("field hidden_act is unknown to this port"); it reads as the
     * other layouts, text_config deciding.
     */
    @Test
    void transformers452LayoutWithTopLevelCopiesReadsAsTheOthers() throws Exception {
        for (String name : new String[] {"qwen25vl-tiny", "qwen3vl-tiny"}) {
            ObjectNode flat = flat(name, "default");
            ObjectNode text = flat.deepCopy();
            for (String top : new String[] {"architectures", "image_token_id", "video_token_id", "vision_config",
                "vision_start_token_id", "vision_end_token_id", "transformers_version", "dtype"}) {
                text.remove(top);
            }
            text.put("model_type", name.startsWith("qwen25") ? "qwen2_5_vl_text" : "qwen3_vl_text");
            text.putNull("image_token_id");
            text.putNull("video_token_id");
            text.put("vision_token_id", 299);
            text.put("vision_start_token_id", 301);
            text.put("torch_dtype", "float32");
            text.putArray("architectures").add("Qwen2_5_VLForConditionalGeneration");
            ((ObjectNode) text.get("rope_scaling")).put("rope_type", "default");
            ObjectNode both = flat.deepCopy();
            both.set("text_config", text);
            both.put("vision_token_id", 299);
            both.put("transformers_version", "4.52.4");
            QwenVlConfig nested = QwenVlConfig.load(fixture(name));
            QwenVlConfig mixed = QwenVlConfig.load(write(both));
            assertEquals(nested.text().toString().replaceAll("\\[I@\\w+", ""), mixed.text().toString().replaceAll("\\[I@\\w+", ""));
            assertArrayEquals(nested.text().mropeSection(), mixed.text().mropeSection());
            assertEquals(nested.vision().toString().replaceAll("\\[I@\\w+", ""), mixed.vision().toString().replaceAll("\\[I@\\w+", ""));
            assertEquals(300, mixed.imageTokenId());
        }
    }

    void assertFault(String name, Consumer<ObjectNode> edit, String field) throws Exception {
        ObjectNode c = read(name);
        edit.accept(c);
        Path f = write(c);
        BadInputException e = assertThrows(BadInputException.class, () -> QwenVlConfig.load(f));
        assertEquals(f.toString(), e.source());
        assertTrue(e.getMessage().contains("\"" + field + "\""), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void unknownWrongAndInconsistentFieldsNameTheFileAndField() throws Exception {
        assertFault("qwen25vl-tiny", c -> c.put("mystery_knob", 3), "mystery_knob");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("use_qk_norm_v2", true), "text_config.use_qk_norm_v2");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("window_size", 112), "vision_config.window_size");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("text_config").get("rope_parameters")).putArray("mrope_section").add(8).add(8).add(8),
                "text_config.rope_parameters.mrope_section");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("text_config").get("rope_parameters")).put("rope_type", "yarn"),
                "text_config.rope_parameters.rope_type");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("out_hidden_size", 128), "vision_config.out_hidden_size");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("vision_config")).putArray("fullatt_block_indexes").add(5),
                "vision_config.fullatt_block_indexes");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("window_size", 50), "vision_config.window_size");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("num_position_embeddings", 60),
                "vision_config.num_position_embeddings");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("vision_config")).putArray("deepstack_visual_indexes").add(0).add(7),
                "vision_config.deepstack_visual_indexes");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("num_key_value_heads", 3),
                "text_config.num_key_value_heads");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("hidden_size", "big"), "text_config.hidden_size");
        assertFault("qwen3vl-tiny", c -> c.put("model_type", "qwen4_vl"), "model_type");
    }

    /** Sizes of zero (which divided by zero, or failed deep in libtorch) and ids beyond the vocabulary. */
    @Test
    void sizesAndIdsOutOfRangeNameTheField() throws Exception {
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("num_heads", 0), "vision_config.num_heads");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("num_attention_heads", 0),
                "text_config.num_attention_heads");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("vocab_size", 0), "text_config.vocab_size");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("vision_config")).put("depth", -1), "vision_config.depth");
        assertFault("qwen25vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("rms_norm_eps", 0), "text_config.rms_norm_eps");
        assertFault("qwen25vl-tiny", c -> c.put("image_token_id", 320), "image_token_id");
        assertFault("qwen3vl-tiny", c -> ((ObjectNode) c.get("text_config")).put("eos_token_id", 999), "text_config.eos_token_id");
    }

    /** A config.json past the bound is refused unread, naming the file (a huge one could fill the heap). */
    @Test
    void aHugeConfigIsRefusedUnread(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\"model_type\": \"qwen3_vl\", \"pad\": \"" + "x".repeat((int) QwenVlConfig.MAX_BYTES)
                + "\"}");
        BadInputException e = assertThrows(BadInputException.class, () -> QwenVlConfig.load(cfg));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("are read"), e.getMessage());
    }
}
