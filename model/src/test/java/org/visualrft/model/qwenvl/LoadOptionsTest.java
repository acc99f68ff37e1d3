package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;

/**
 * The loading seam a training config drives ({@link LoadOptions}: dtype, LoRA, seed), and the prompt length every Qwen
 * family reports from the image's size, which must equal the ids the prompt is actually encoded to.
 */
class LoadOptionsTest {
    @TempDir
    Path tmp;

    private Path folder(String name) throws Exception {
        return TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
    }

    private static Prompt prompt(int width, int height, String text) {
        float[] px = new float[width * height * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i * 37 % 101) / 100f;
        }
        return new Prompt(new Image(width, height, 3, px), text);
    }

    private static int encodedLength(Policy p, Prompt prompt) {
        if (p instanceof Qwen2VLPolicy q) {
            return q.encodePrompt(prompt).ids().length;
        }
        return ((QwenVlPolicy) p).encodePrompt(prompt).ids().length;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void promptLengthIsTheEncodedLengthImageTokensIncluded(String name) throws Exception {
        try (Policy p = ModelLoader.load(folder(name))) {
            // small (scaled up to min_pixels), odd-sized, wide, and larger than max_pixels (scaled down)
            int[][] sizes = {{32, 32}, {57, 91}, {300, 40}, {640, 480}};
            for (int[] s : sizes) {
                for (String text : List.of("What is in the image ?", "cat dog box , 1 2 3 What is the image ?")) {
                    Prompt pr = prompt(s[0], s[1], text);
                    assertEquals(encodedLength(p, pr), p.promptLength(pr), name + " " + s[0] + "x" + s[1] + " " + text);
                }
            }
            Image a = Image.read(QwenVlPolicyTest.fixture(name).resolve("image_a.png"));
            Prompt pa = new Prompt(a, "What is in the image ?");
            assertEquals(encodedLength(p, pa), p.promptLength(pa));
        }
    }

    /** The positions a Qwen model holds are its config's max_position_embeddings (text_config's when nested). */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void contextLengthIsTheConfigsMaxPositionEmbeddings(String name) throws Exception {
        Path dir = folder(name);
        com.fasterxml.jackson.databind.JsonNode c = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("config.json").toFile());
        com.fasterxml.jackson.databind.JsonNode text = c.has("text_config") ? c.get("text_config") : c;
        int want = (text.has("max_position_embeddings") ? text : c).get("max_position_embeddings").asInt();
        try (Policy p = ModelLoader.load(dir)) {
            assertEquals(want, p.contextLength());
            assertTrue(want < Integer.MAX_VALUE && want > 0);
        }
    }

    /**
     * min_pixels / max_pixels from the options resize images into that area (as the training script's 401,408 cap
     * does): fewer image tokens for a large image, more for a small one, and the reported length stays the encoded one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void pixelLimitsFromTheOptionsResizeTheImage(String name) throws Exception {
        Path dir = folder(name);
        Prompt large = prompt(640, 480, "What is in the image ?");
        Prompt small = prompt(32, 32, "What is in the image ?");
        try (Policy plain = ModelLoader.load(dir, LoadOptions.on(Device.CPU));
             Policy capped = ModelLoader.load(dir, LoadOptions.on(Device.CPU).withPixels(null, 2_000));
             Policy raised = ModelLoader.load(dir, LoadOptions.on(Device.CPU).withPixels(40_000, 80_000))) {
            assertTrue(capped.promptLength(large) < plain.promptLength(large),
                    capped.promptLength(large) + " vs " + plain.promptLength(large));
            assertTrue(raised.promptLength(small) > plain.promptLength(small),
                    raised.promptLength(small) + " vs " + plain.promptLength(small));
            assertEquals(encodedLength(capped, large), capped.promptLength(large));
            assertEquals(encodedLength(raised, small), raised.promptLength(small));
        }
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.on(Device.CPU).withPixels(5000, 4000));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.on(Device.CPU).withPixels(null, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void optionsGiveTheDtypeAndAdaptersAsked(String name) throws Exception {
        Path dir = folder(name);
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj"));
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.BF16, lora, 5));
             Policy plain = ModelLoader.load(dir, LoadOptions.on(Device.CPU))) {
            List<Parameter> trainable = p.trainableParameters();
            assertTrue(trainable.size() > 0 && trainable.size() % 4 == 0, "A and B per target and layer");
            for (Parameter t : trainable) {
                assertTrue(t.name().contains("lora_A") || t.name().contains("lora_B"), t.name());
                assertTrue(t.name().contains("q_proj") || t.name().contains("v_proj"), t.name());
            }
            assertEquals(DType.BF16, baseDtype(p));
            // without options: the folder's own dtype, no adapters (the language model trains in full)
            assertEquals(DType.F32, baseDtype(plain));
            for (Parameter t : plain.trainableParameters()) {
                assertTrue(!t.name().contains("lora_"), t.name());
            }
        }
    }

    private static DType baseDtype(Policy p) {
        if (p instanceof Qwen2VLPolicy q) {
            return q.model().dtype();
        }
        return ((QwenVlPolicy) p).model().dtype();
    }

    @Test
    void aFamilyWithoutAdaptersRefusesLoraAndOtherDtypesInOneLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"plain-test\"}");
        ModelLoader.register("plain-test", (d, c) -> {
            throw new AssertionError("must not load");
        });
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir,
                new LoadOptions(Device.CPU, null, LoraConfig.allLinear(8, 16), 0)));
        assertEquals(dir.toString(), e.source());
        assertTrue(e.fault().contains("takes no LoRA adapters (use_peft: true)"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir,
                new LoadOptions(Device.CPU, DType.BF16, null, 0)));
        assertTrue(e.fault().contains("torch_dtype: bfloat16"), e.getMessage());
        assertNull(e.getCause());
    }
}
