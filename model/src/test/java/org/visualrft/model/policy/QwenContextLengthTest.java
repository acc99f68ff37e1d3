package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.qwen2vl.TinyQwenFolder;

/**
 * The Policy contract "generation stops at the end of the context" for the Qwen families: a completion never runs past
 * max_position_embeddings (it did: evaluate --max-new-tokens 5000 on a 4096-position model printed "completions end
 * after at most 4062 tokens" and then generated 5000).
 */
class QwenContextLengthTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void completionsEndAtTheLastPosition(String name) throws Exception {
        Path fixture = ModelFolderFaultsTest.fixture(name);
        Path dir = TinyQwenFolder.create(tmp, fixture);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        ObjectNode text = cfg.has("text_config") ? (ObjectNode) cfg.get("text_config") : cfg;
        Prompt a = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        Prompt b = new Prompt(Image.read(fixture.resolve("image_b.png")), "What is in the image ? cat dog box");
        int longest;
        try (Policy p = ModelLoader.load(dir)) {
            longest = Math.max(p.promptLength(a), p.promptLength(b));
        }
        int room = 5;
        text.put("max_position_embeddings", longest + room);
        json.writeValue(dir.resolve("config.json").toFile(), cfg);
        try (Policy p = ModelLoader.load(dir)) {
            assertEquals(longest + room, p.contextLength());
            SamplingParams sp = new SamplingParams(1.0, 0, 1.0, 40);
            Prompt at = p.promptLength(a) == longest ? a : b;
            for (Rollout r : p.generate(at, 2, sp, new Random(3))) {
                assertEquals(room, r.length(), "cut at the context's end");
                assertFalse(r.endedWithEos());
            }
            List<Prompt> prompts = List.of(a, b);
            List<List<Rollout>> groups = p.generateGroups(prompts, 2, sp, List.of(new Random(1), new Random(2)), null);
            for (int i = 0; i < prompts.size(); i++) {
                for (Rollout r : groups.get(i)) {
                    assertTrue(r.length() <= p.contextLength() - p.promptLength(prompts.get(i)), "within the context");
                }
            }
        }
    }
}
