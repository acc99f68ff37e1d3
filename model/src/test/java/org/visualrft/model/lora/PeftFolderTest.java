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

    /**
     * A folder whose {@code target_modules} is a regular expression and whose {@code exclude_modules} a list or an
     * expression (as TRL users write them) loads over its base with adapters on exactly the layers PEFT selects, and
     * scores to the bit as the policy that saved them. The expression is matched against the names the weights file
     * has: written for transformers 4.52+'s names, it selects the same layers of a model whose own files use the older
     * ones (Qwen2-VL's hub layout) as of one that uses the newer (Qwen3-VL's).
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void regularExpressionTargetsAndExclusionsLoadExactlyThoseLayers(String name) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path base = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), fixture);
        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17});
        LoadOptions plain = new LoadOptions(Device.CPU, DType.F32, null, 0);
        String re = ".*language_model\\.layers\\.\\d+\\.(self_attn\\.(q|v)_proj|mlp\\.down_proj)";
        LoraConfig listExcluded = new LoraConfig(4, 8, Set.of(), re,
                ModuleNames.list(Set.of("layers.0.self_attn.v_proj")), null, false, false);
        LoraConfig regexExcluded = new LoraConfig(4, 8, Set.of(), re,
                ModuleNames.regex(".*\\.layers\\.1\\.mlp\\..*"), null, true, false);
        // PEFT's selection, written out: q_proj, v_proj, down_proj of both layers but the excluded one
        Set<String> wantList = Set.of("layers.0.self_attn.q_proj", "layers.1.self_attn.q_proj",
                "layers.1.self_attn.v_proj", "layers.0.mlp.down_proj", "layers.1.mlp.down_proj");
        Set<String> wantRegex = Set.of("layers.0.self_attn.q_proj", "layers.1.self_attn.q_proj",
                "layers.0.self_attn.v_proj", "layers.1.self_attn.v_proj", "layers.0.mlp.down_proj");
        for (LoraConfig lora : List.of(listExcluded, regexExcluded)) {
            Set<String> want = lora == listExcluded ? wantList : wantRegex;
            Path saved = tmp.resolve(name + (lora == listExcluded ? "-list" : "-regex"));
            float[] scores;
            try (Policy trained = ModelLoader.load(base, plain.withLora(lora))) {
                assertEquals(want, adaptedLayers(trained), name + ": the layers PEFT selects");
                PeftAdapter.write(saved, randomized(trained, 5), lora, base);
                scores = logProbs(trained, prompt, group);
            }
            String config = Files.readString(saved.resolve(PeftAdapter.CONFIG));
            assertTrue(config.contains("\"target_modules\" : \"" + re.replace("\\", "\\\\") + "\""), config);
            assertTrue(config.contains("\"exclude_modules\" : " + (lora == listExcluded
                    ? "[ \"layers.0.self_attn.v_proj\" ]" : "\".*\\\\.layers")), config);
            try (org.visualrft.model.safetensors.SafeTensorsFile f = org.visualrft.model.safetensors.SafeTensorsFile
                    .open(saved.resolve(PeftAdapter.WEIGHTS))) {
                assertTrue(f.entries().keySet().stream().allMatch(n -> n.contains(".language_model.layers.")),
                        name + ": the weights carry the names the expression was matched against");
            }
            LoraConfig read = PeftFolder.config(saved);
            assertEquals(re, read.targetRegex());
            assertEquals(lora.exclude(), read.exclude());
            assertEquals(LoraTargets.Layout.NESTED, read.layout());
            try (Policy loaded = ModelLoader.load(base, plain, saved)) {
                assertEquals(want, adaptedLayers(loaded), name + ": the folder adapts the same layers");
                assertArrayEquals(scores, logProbs(loaded, prompt, group), name + ": to the bit");
            }
        }
        // the tower unfrozen, an expression that selects tower layers only: the file's weights adapt the tower, so the
        // folder is matched over it again
        LoraConfig tower = new LoraConfig(2, 4, Set.of(), ".*visual\\.blocks\\.\\d+\\.attn\\.qkv",
                ModuleNames.list(Set.of("blocks.0.attn.qkv")), null, false, true);
        Path towerDir = tmp.resolve(name + "-tower");
        Set<String> towerLayers;
        float[] towerScores;
        try (Policy trained = ModelLoader.load(base, plain.withLora(tower))) {
            towerLayers = adaptedLayers(trained);
            assertTrue(towerLayers.stream().anyMatch(n -> n.endsWith("visual.blocks.1.attn.qkv")), towerLayers.toString());
            assertTrue(towerLayers.stream().allMatch(n -> n.matches(".*visual\\.blocks\\.[1-9]\\.attn\\.qkv")),
                    towerLayers.toString());
            PeftAdapter.write(towerDir, randomized(trained, 6), tower, base);
            towerScores = logProbs(trained, prompt, group);
        }
        assertTrue(PeftFolder.config(towerDir).visionTower());
        try (Policy loaded = ModelLoader.load(base, plain, towerDir)) {
            assertEquals(towerLayers, adaptedLayers(loaded));
            assertArrayEquals(towerScores, logProbs(loaded, prompt, group), name + ": the tower's, to the bit");
        }
        // an expression written for the older names, in a file whose weights carry them, selects those layers; the
        // same expression over weights named the newer way matches nothing there, and the folder is refused
        String flatRe = "model\\.layers\\.1\\.self_attn\\.k_proj";
        LoraConfig flat = new LoraConfig(2, 4, Set.of(), flatRe, ModuleNames.NONE, LoraTargets.Layout.FLAT, false,
                false);
        Path older = tmp.resolve(name + "-flat");
        Path mislabelled = tmp.resolve(name + "-flat-nested-names");
        try (Policy p = ModelLoader.load(base, plain.withLora(flat))) {
            assertEquals(Set.of("layers.1.self_attn.k_proj"), adaptedLayers(p));
            Map<String, Tensor> named = new LinkedHashMap<>();
            p.trainableParameters().forEach(q -> named.put(q.name(), q.value().detach()));
            PeftAdapter.write(older, named, flat, base);
            PeftAdapter.write(mislabelled, named, flat, base);
        }
        try (Policy loaded = ModelLoader.load(base, plain, older)) {
            assertEquals(Set.of("layers.1.self_attn.k_proj"), adaptedLayers(loaded));
        }
        Path weights = mislabelled.resolve(PeftAdapter.WEIGHTS);
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        try (org.visualrft.model.safetensors.SafeTensorsFile f = org.visualrft.model.safetensors.SafeTensorsFile
                .open(weights)) {
            for (String n : f.entries().keySet()) {
                renamed.put(otherLayout(n), f.read(n));
            }
        }
        org.visualrft.model.safetensors.SafeTensorsWriter.write(weights, renamed, Map.of("format", "pt"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> ModelLoader.load(base, plain, mislabelled).close());
        assertTrue(e.getMessage().contains("matches no linear layer"), e.getMessage());
        assertTrue(e.source().startsWith(mislabelled.toString()), e.source());
    }

    /** The policy's adapters drawn at random (B no longer zero), by PEFT name. */
    private static Map<String, Tensor> randomized(Policy p, long seed) {
        Map<String, Tensor> named = new LinkedHashMap<>();
        try (Generator g = Generator.seeded(seed); Tensor.GradMode off = Tensor.noGrad()) {
            for (Parameter q : p.trainableParameters()) {
                q.value().copy_(Tensor.randn(g, DType.F32, q.value().shape()).mul(0.05));
                named.put(q.name(), q.value().detach());
            }
        }
        return named;
    }

    /** The layers a policy's adapters sit on, without the layout's prefix ({@code layers.0.self_attn.q_proj}). */
    private static Set<String> adaptedLayers(Policy p) {
        Set<String> out = new java.util.TreeSet<>();
        for (Parameter q : p.trainableParameters()) {
            assertTrue(q.name().endsWith(".lora_A.weight") || q.name().endsWith(".lora_B.weight"), q.name());
            out.add(q.name().replaceFirst("\\.lora_[AB]\\.weight$", "").replaceFirst("^.*?\\.(layers\\.)", "$1"));
        }
        return out;
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
    @ValueSource(strings = {"vision", "lmhead", "regex", "regexmore", "exclude", "dora", "ia3", "missing", "bin"})
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
                    "\"target_modules\" : \"(?P<m>.*)q_proj(?P=m)\""));
            // the expression also targets v_proj, whose weights the file lacks
            case "regexmore" -> Files.writeString(config, json.replaceFirst("\"target_modules\" : \\[[^\\]]*\\]",
                    "\"target_modules\" : \".*[.](q|v)_proj\""));
            // the file holds layer 0's q_proj, which the exclusion leaves without an adapter
            case "exclude" -> Files.writeString(config, json.replace("{",
                    "{\"exclude_modules\": [\"layers.0.self_attn.q_proj\"],"));
            case "dora" -> Files.writeString(config, json.replace("{", "{\"use_dora\": true,"));
            case "ia3" -> Files.writeString(config, json.replace("\"LORA\"", "\"IA3\""));
            case "bin" -> Files.move(dir.resolve(PeftAdapter.WEIGHTS), dir.resolve("adapter_model.bin"));
            default -> { }
        }
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(base, plain, dir).close());
        String want = switch (fault) {
            case "vision" -> "visual.blocks.0.attn.qkv.lora_A.weight is not an adapter of this model";
            case "lmhead" -> "adapts lm_head";
            case "regex" -> "backreferences (?P=name) are not supported";
            case "regexmore" -> "v_proj.lora_A.weight (and 3 more), an adapter the model has";
            case "exclude" -> "layers.0.self_attn.q_proj.lora_A.weight is not an adapter of this model";
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
