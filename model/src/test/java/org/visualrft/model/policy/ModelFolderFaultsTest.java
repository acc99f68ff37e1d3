package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.BadInputException;
import org.visualrft.model.qwen2vl.Qwen2VLConfig;
import org.visualrft.model.qwen2vl.Qwen2VLWeights;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.qwenvl.QwenVlConfig;
import org.visualrft.model.qwenvl.QwenVlWeights;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Model folders whose weights contradict their config.json, for every Qwen family: refused while opening, with one
 * error naming the file, the tensor and the fault, as transformers' from_pretrained refuses a size mismatch.
 */
class ModelFolderFaultsTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
    }

    /** The oracle's tensors, with {@code edit} applied to each (name, tensor); null drops the tensor. */
    static void rewrite(Path file, BiFunction<String, Tensor, Tensor> edit) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NativeScope s = NativeScope.open(); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String n : f.entries().keySet()) {
                Tensor t = edit.apply(n, f.read(n));
                if (t != null) {
                    out.put(n, t);
                }
            }
            SafeTensorsWriter.write(file, out, Map.of("format", "pt"));
        }
    }

    static BiFunction<String, long[], long[]> expected(Path dir, String name) {
        Path cfg = dir.resolve("config.json");
        if (name.equals("qwen2vl-tiny")) {
            Qwen2VLConfig c = Qwen2VLConfig.load(cfg);
            return (n, ignored) -> Qwen2VLWeights.expectedShape(c, n);
        }
        QwenVlConfig c = QwenVlConfig.load(cfg);
        return (n, ignored) -> QwenVlWeights.expectedShape(c, n);
    }

    /** Every tensor the oracles (made by transformers) hold gets exactly its stored shape from the config. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void theConfigGivesEveryOracleTensorItsStoredShape(String name) {
        Path dir = fixture(name);
        BiFunction<String, long[], long[]> shape = expected(dir, name);
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(f.entries().size() > 20);
            f.entries().forEach((n, e) -> {
                long[] want = shape.apply(n, null);
                assertNotNull(want, n);
                assertArrayEquals(e.shape(), want, n);
            });
        }
    }

    /**
     * A one-element bias or norm weight (which would broadcast and run silently wrong), a transposed projection and an
     * embedding with fewer rows than vocab_size are each one BadInputException naming the file and the tensor.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void weightsOfTheWrongShapeAreRefusedNamingTheTensor(String name) throws Exception {
        boolean q3 = name.startsWith("qwen3");
        String tp = q3 ? "model.language_model." : "model.";
        String[] victims = {
            name.equals("qwen3vl-tiny") ? tp + "layers.1.self_attn.q_norm.weight" : tp + "layers.1.self_attn.q_proj.bias",
            tp + "layers.0.input_layernorm.weight",
            tp + "layers.0.mlp.gate_proj.weight",
            tp + "embed_tokens.weight",
        };
        for (int i = 0; i < victims.length; i++) {
            String victim = victims[i];
            int kind = i;
            Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name + i)), fixture(name));
            rewrite(dir.resolve("model.safetensors"), (n, t) -> !n.equals(victim) ? t
                    : kind <= 1 ? t.reshape(-1).slice(0, 0, 1, 1).contiguous()
                    : kind == 2 ? t.transpose(0, 1).contiguous()
                    : t.slice(0, 0, t.size(0) - 8, 1).contiguous());
            BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close(), victim);
            assertEquals(dir.resolve("model.safetensors").toString(), e.source(), e.getMessage());
            assertTrue(e.fault().contains("'" + victim + "' has shape"), e.getMessage());
            assertTrue(e.fault().contains("config.json gives"), e.getMessage());
        }
    }

    /** An integer tensor where a weight belongs is refused (it would be converted silently). */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void integerWeightsAreRefused(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        String victim = (name.startsWith("qwen3") ? "model.language_model." : "model.") + "norm.weight";
        rewrite(dir.resolve("model.safetensors"), (n, t) -> n.equals(victim) ? t.to(DType.I64) : t);
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close());
        assertTrue(e.fault().contains("'" + victim + "' is I64"), e.getMessage());
    }

    /**
     * A tokenizer.json whose control tokens sit at other ids than config.json names (another model's tokenizer) is
     * refused before the weights load, for Qwen2.5-VL and Qwen3-VL as for Qwen2-VL (it failed at the first prompt
     * with "prompt has 0 image pads", naming no file).
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void aTokenizerOfAnotherModelIsRefused(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        Path tok = dir.resolve("tokenizer.json");
        String json = Files.readString(tok);
        Files.writeString(tok, json.replace("\"<|image_pad|>\": 300", "\"<|image_pad|>\": 299").replace("\"id\": 300", "\"id\": 299")
                .replace("\"w299\": 299, ", ""));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close());
        assertEquals(tok.toString(), e.source(), e.getMessage());
        assertTrue(e.fault().contains("<|image_pad|> is id 299 here but config.json image_token_id is 300"), e.getMessage());
    }

    /** A NaN or an infinity in any weight is refused naming the file and tensor (it loaded, and answers were NaN). */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void nonFiniteWeightsAreRefused(String name) throws Exception {
        String[] victims = {name.startsWith("qwen3") ? "model.visual.blocks.0.attn.qkv.weight" : "visual.blocks.0.attn.qkv.weight",
            "lm_head.weight"};
        double[] values = {Double.NaN, Double.NEGATIVE_INFINITY};
        for (int i = 0; i < victims.length; i++) {
            String victim = victims[i];
            double v = values[i];
            Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name + i)), fixture(name));
            rewrite(dir.resolve("model.safetensors"), (n, t) -> {
                if (n.equals(victim)) {
                    t.reshape(-1).slice(0, 7, 8, 1).fill_(v);
                }
                return t;
            });
            BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close(), victim);
            assertEquals(dir.resolve("model.safetensors").toString(), e.source());
            assertEquals("tensor '" + victim + "' holds NaN or infinite values", e.fault());
        }
    }

    /** A stop token that is not an id was read as token 0 (Qwen2.5-VL, Qwen3-VL); it is an error naming the file. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void aGenerationConfigWhoseStopTokenIsNotAnIdIsRefused(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        Path gen = dir.resolve("generation_config.json");
        Files.writeString(gen, "{\"eos_token_id\": [303, \"<|im_end|>\"]}");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close());
        assertEquals(gen.toString(), e.source(), e.getMessage());
        assertTrue(e.fault().contains("eos_token_id"), e.getMessage());
    }

    /**
     * preprocessor_config.json faults are one error naming it, for every family: a patch size other than the vision
     * tower's (Qwen2-VL failed at the first image with a libtorch matmul message), min_pixels above max_pixels (every
     * image was scaled up past max_pixels: the JVM was killed for memory), a zero image_std (pixels of infinity).
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void aPreprocessorConfigThatCannotWorkIsRefused(String name) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String[][] edits = {{"patch_size", "7", "differ from config.json's vision_config"},
            {"min_pixels", "100000000", "at most max_pixels"}, {"image_std", "[0.5, 0, 0.5]", "image_std entries must be positive"}};
        for (int i = 0; i < edits.length; i++) {
            Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name + i)), fixture(name));
            Path pre = dir.resolve("preprocessor_config.json");
            ObjectNode p = (ObjectNode) json.readTree(pre.toFile());
            p.set(edits[i][0], json.readTree(edits[i][1]));
            if (p.has("size") && edits[i][0].equals("min_pixels")) {
                p.remove("size"); // transformers 5's layout says it in size{}; keep one spelling
                p.put("max_pixels", 50000);
            }
            json.writeValue(pre.toFile(), p);
            BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close(), edits[i][0]);
            assertEquals(pre.toString(), e.source(), e.getMessage());
            assertTrue(e.fault().contains(edits[i][2]), e.getMessage());
        }
    }

    /**
     * The options system properties (VRFT_JAVA_OPTS) are checked, naming the property: a rank that is not a number
     * was "failed: For input string" (exit 1), an unknown dtype name silently meant float32.
     */
    @ParameterizedTest
    @ValueSource(strings = {"vrft.lora.rank=abc", "vrft.lora.rank=0", "vrft.lora.alpha=-1", "vrft.dtype=fp16",
        "vrft.max_pixels=lots", "vrft.qwen2vl.max_pixels=0", "vrft.lora.seed=1.5"})
    void badOptionPropertiesAreRefusedNamingThem(String setting) throws Exception {
        String key = setting.substring(0, setting.indexOf('='));
        Path dir = TinyQwenFolder.create(tmp, fixture(key.equals("vrft.max_pixels") ? "qwen3vl-tiny" : "qwen2vl-tiny"));
        System.setProperty(key, setting.substring(key.length() + 1));
        if (key.startsWith("vrft.lora") && !key.equals("vrft.lora.rank")) {
            System.setProperty("vrft.lora.rank", "2");
        }
        try {
            BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close());
            assertEquals("-D" + key, e.source(), e.getMessage());
        } finally {
            System.clearProperty(key);
            System.clearProperty("vrft.lora.rank");
        }
    }

    /** A quantized folder (quantization_config) is refused as such (Qwen2-VL reported a missing q_proj.weight). */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void aQuantizedFolderIsRefusedAsSuch(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        c.putObject("quantization_config").put("quant_method", "awq").put("bits", 4);
        json.writeValue(dir.resolve("config.json").toFile(), c);
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir).close());
        assertEquals(dir.resolve("config.json").toString(), e.source());
        assertTrue(e.fault().contains("quantized checkpoints are not supported"), e.getMessage());
    }
}
