package org.visualrft.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * A PEFT LoRA folder opened over its base model ({@code ModelLoader.load(dir, options, adapter)}) scores exactly as the
 * policy whose adapters were saved, under either transformers layout's names and in another dtype; what it cannot
 * represent is refused naming the file.
 */
class PeftFolderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void savedAdaptersLoadOverTheBaseAndScoreTheSame(String name) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path base = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), fixture);
        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17});
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "down_proj"), true);
        LoadOptions plain = new LoadOptions(Device.CPU, DType.F32, null, 0);
        Path saved = tmp.resolve(name + "-adapter");
        Path renamed = tmp.resolve(name + "-adapter-hf452");
        float[] want;
        try (Policy trained = ModelLoader.load(base, plain.withLora(lora))) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            Map<String, Tensor> hf452 = new LinkedHashMap<>();
            try (Generator g = Generator.seeded(3); Tensor.GradMode off = Tensor.noGrad()) {
                for (Parameter p : trained.trainableParameters()) {
                    p.value().copy_(Tensor.randn(g, DType.F32, p.value().shape()).mul(0.05)); // B no longer zero
                    named.put(p.name(), p.value().detach());
                    String other = p.name().contains(".language_model.") // the other transformers layout's name
                            ? p.name().replace(".language_model.", ".")
                            : p.name().replace(".layers.", ".language_model.layers.");
                    hf452.put(other, p.value().detach().to(DType.BF16));
                }
            }
            PeftAdapter.write(saved, named, lora, base);
            PeftAdapter.write(renamed, hf452, lora, base);
            want = logProbs(trained, prompt, group);
        }
        try (Policy loaded = ModelLoader.load(base, plain, saved)) {
            assertArrayEquals(want, logProbs(loaded, prompt, group), name + ": the saved adapters, to the bit");
        }
        try (Policy loaded = ModelLoader.load(base, plain, renamed)) {
            float[] got = logProbs(loaded, prompt, group);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 2e-2, name + ": bf16 adapters under the other layout's names");
            }
        }
        try (Policy plainModel = ModelLoader.load(base, plain)) {
            float[] without = logProbs(plainModel, prompt, group);
            assertTrue(!java.util.Arrays.equals(want, without), "the adapters change the scores");
        }
    }

    /**
     * A PEFT folder whose targets reach into the vision tower ({@code all-linear} over the whole model, as TRL's
     * LoRA runs save it) loads over its base and scores exactly as the policy that held those adapters, under either
     * transformers layout's names; with every B zero it scores as the base model, to the bit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void visionTowerAdaptersLoadAndScoreAsInMemory(String name) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path base = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), fixture);
        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17});
        LoraConfig lora = new LoraConfig(4, 8, Set.of(LoraConfig.ALL_LINEAR_KEY), false, true);
        LoadOptions plain = new LoadOptions(Device.CPU, DType.F32, null, 0);
        Path zero = tmp.resolve(name + "-zero");
        Path saved = tmp.resolve(name + "-adapter");
        Path renamed = tmp.resolve(name + "-adapter-other-layout");
        float[] want;
        try (Policy trained = ModelLoader.load(base, plain.withLora(lora))) {
            Map<String, Tensor> fresh = new LinkedHashMap<>();
            Map<String, Tensor> named = new LinkedHashMap<>();
            Map<String, Tensor> other = new LinkedHashMap<>();
            try (Generator g = Generator.seeded(4); Tensor.GradMode off = Tensor.noGrad()) {
                for (Parameter p : trained.trainableParameters()) {
                    fresh.put(p.name(), p.value().detach().copy());
                }
                for (Parameter p : trained.trainableParameters()) {
                    p.value().copy_(Tensor.randn(g, DType.F32, p.value().shape()).mul(0.05));
                    named.put(p.name(), p.value().detach());
                    other.put(otherLayout(p.name()), p.value().detach());
                }
            }
            assertTrue(named.keySet().stream().anyMatch(n -> n.contains(".visual.")), "vision-tower adapters");
            PeftAdapter.write(zero, fresh, lora, base);
            PeftAdapter.write(saved, named, lora, base);
            PeftAdapter.write(renamed, other, lora, base);
            want = logProbs(trained, prompt, group);
        }
        assertTrue(Files.readString(saved.resolve(PeftAdapter.CONFIG)).contains("\"target_modules\" : \"all-linear\""));
        try (Policy loaded = ModelLoader.load(base, plain, saved)) {
            assertArrayEquals(want, logProbs(loaded, prompt, group), name + ": the saved adapters, to the bit");
        }
        try (Policy loaded = ModelLoader.load(base, plain, renamed)) {
            assertArrayEquals(want, logProbs(loaded, prompt, group), name + ": under the other layout's names");
        }
        float[] without;
        try (Policy plainModel = ModelLoader.load(base, plain)) {
            without = logProbs(plainModel, prompt, group);
        }
        assertTrue(!java.util.Arrays.equals(want, without), "the adapters change the scores");
        try (Policy loaded = ModelLoader.load(base, plain, zero)) {
            assertArrayEquals(without, logProbs(loaded, prompt, group), name + ": B = 0 is the base, to the bit");
        }
        // a list of targets, as a TRL run on Qwen2.5-VL saves q_proj … down_proj: PEFT's suffix match over the tower
        LoraConfig listed = new LoraConfig(2, 4, Set.copyOf(LoraConfig.ALL_LINEAR), false, true);
        Path list = tmp.resolve(name + "-list");
        try (Policy p = ModelLoader.load(base, plain.withLora(listed))) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            p.trainableParameters().forEach(q -> named.put(q.name(), q.value().detach()));
            assertEquals(name.startsWith("qwen25"), named.keySet().stream().anyMatch(n -> n.contains(".visual.")),
                    name + ": only Qwen2.5-VL's tower has layers of those names");
            PeftAdapter.write(list, named, listed, base);
        }
        try (Policy loaded = ModelLoader.load(base, plain, list)) {
            assertArrayEquals(without, logProbs(loaded, prompt, group), name + ": fresh adapters are the base");
        }
    }

    /** The other transformers layout's name of an adapter tensor. */
    private static String otherLayout(String name) {
        String p = "base_model.model.";
        String m = name.substring(p.length());
        return p + (m.startsWith("model.visual.") ? m.substring("model.".length())
                : m.startsWith("visual.") ? "model." + m
                : m.startsWith("model.language_model.") ? "model." + m.substring("model.language_model.".length())
                : "model.language_model." + m.substring("model.".length()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"vision", "lmhead", "regex", "exclude", "dora", "ia3", "missing", "bin"})
    void whatCannotBeRepresentedIsRefusedNamingTheFile(String fault) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        Path base = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("m")), fixture);
        LoraConfig lora = new LoraConfig(2, 4, Set.of("q_proj"));
        LoadOptions plain = new LoadOptions(Device.CPU, DType.F32, null, 0);
        Path dir = tmp.resolve("a");
        try (Policy p = ModelLoader.load(base, plain.withLora(lora))) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Parameter q : p.trainableParameters()) {
                named.put(q.name(), q.value().detach());
            }
            String first = named.keySet().iterator().next();
            switch (fault) {
                case "vision" -> named.put("base_model.model.visual.blocks.0.attn.qkv.lora_A.weight", named.get(first));
                case "lmhead" -> named.put("base_model.model.lm_head.lora_A.weight", named.get(first));
                case "missing" -> named.remove(first);
                default -> { }
            }
            PeftAdapter.write(dir, named, lora, base);
        }
        Path config = dir.resolve(PeftAdapter.CONFIG);
        String json = Files.readString(config);
        switch (fault) {
            case "lmhead" -> Files.writeString(config, json.replace("\"q_proj\"", "\"q_proj\", \"lm_head\""));
            case "regex" -> Files.writeString(config, json.replaceFirst("\"target_modules\" : \\[[^\\]]*\\]",
                    "\"target_modules\" : \".*q_proj\""));
            case "exclude" -> Files.writeString(config, json.replace("{", "{\"exclude_modules\": [\"visual\"],"));
            case "dora" -> Files.writeString(config, json.replace("{", "{\"use_dora\": true,"));
            case "ia3" -> Files.writeString(config, json.replace("\"LORA\"", "\"IA3\""));
            case "bin" -> Files.move(dir.resolve(PeftAdapter.WEIGHTS), dir.resolve("adapter_model.bin"));
            default -> { }
        }
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(base, plain, dir).close());
        String want = switch (fault) {
            case "vision" -> "visual.blocks.0.attn.qkv.lora_A.weight is not an adapter of this model";
            case "lmhead" -> "adapts lm_head";
            case "regex" -> "regular expression";
            case "exclude" -> "excluded modules";
            case "dora" -> "DoRA";
            case "ia3" -> "only LORA adapters load";
            case "missing" -> "an adapter the model has";
            default -> "safe_serialization";
        };
        assertTrue(e.getMessage().contains(want), e.getMessage());
        assertTrue(e.source().startsWith(dir.toString()), e.source());
    }

    private static float[] logProbs(Policy p, Prompt prompt, List<int[]> group) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            return p.logProbs(prompt, group).logProbs().toFloats();
        }
    }
}
