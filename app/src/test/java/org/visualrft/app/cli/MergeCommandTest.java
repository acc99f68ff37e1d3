package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.app.CliRun;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.PeftAdapter;
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
 * {@code merge}: the merged folder scores completions as the adapters over the base do (and not as the base does:
 * the adapters are trained-like, B drawn non-zero); an occupied --out or a folder that is not an adapter is one line,
 * exit 2, with nothing written.
 */
class MergeCommandTest {
    private static final List<int[]> COMPLETIONS = List.of(new int[] {5, 9, 30}, new int[] {17, 40, 303});

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void theMergedFolderScoresAsTheAdaptersOverTheBase(String name, @TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Path adapter = dir.resolve("adapter");
        LoraConfig lora = new LoraConfig(4, 16, java.util.Set.of("q_proj", "v_proj", "down_proj"), true);
        try (Policy p = ModelLoader.load(model, new LoadOptions(Device.CPU, null, lora, 1));
                Generator g = Generator.seeded(11); Tensor.GradMode off = Tensor.noGrad()) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Parameter q : p.trainableParameters()) {
                Tensor t = q.value().detach();
                if (q.name().contains("lora_B")) { // as after training: B away from its zero start
                    t.copy_(Tensor.randn(g, DType.F32, t.shape()).mul_(0.05));
                }
                named.put(q.name(), t);
            }
            PeftAdapter.write(adapter, named, lora, model);
        }
        Path out = dir.resolve("merged");
        CliRun r = CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("merge: LoRA r4 (alpha 16, rsLoRA) on down_proj, q_proj, v_proj"), r.out());

        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        float[] viaAdapter = logProbs(ModelLoader.load(model, LoadOptions.on(Device.CPU), adapter), prompt);
        float[] merged = logProbs(ModelLoader.load(out), prompt);
        float[] base = logProbs(ModelLoader.load(model), prompt);
        double moved = 0;
        for (int i = 0; i < merged.length; i++) {
            assertEquals(viaAdapter[i], merged[i], 2e-5, "log-prob " + i);
            moved = Math.max(moved, Math.abs(merged[i] - base[i]));
        }
        assertTrue(moved > 1e-3, "the adapters change the model: " + moved);
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("adapter")), "a plain model folder");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".merging-")), "no staging left");
        }

        byte[] before = Files.readAllBytes(out.resolve("model.safetensors"));
        CliRun again = CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                out.toString());
        assertEquals(2, again.code(), again.out() + again.err());
        assertTrue(again.err().contains("never overwrites"), again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("model.safetensors"))));

        Path other = dir.resolve("other");
        CliRun notAdapter = CliRun.of("merge", "--model", model.toString(), "--adapter", model.toString(), "--out",
                other.toString());
        assertEquals(2, notAdapter.code(), notAdapter.out() + notAdapter.err());
        assertEquals(1, notAdapter.err().strip().lines().count(), notAdapter.err());
        assertTrue(notAdapter.err().contains("adapter_config.json"), notAdapter.err());
        assertFalse(Files.exists(other), "nothing written");
    }

    /**
     * Adapters on the vision tower's layers too (PEFT's {@code all-linear} over the whole model) merge into the
     * tower's weights: the merged folder scores as the adapters over the base, where leaving the tower's adapters out
     * would not.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void visionTowerAdaptersMergeIntoTheTower(String name, @TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Path adapter = dir.resolve("adapter");
        Path towerOnly = dir.resolve("tower-only");
        LoraConfig lora = new LoraConfig(4, 8, java.util.Set.of(LoraConfig.ALL_LINEAR_KEY), false, true);
        try (Policy p = ModelLoader.load(model, new LoadOptions(Device.CPU, null, lora, 1));
                Generator g = Generator.seeded(12); Tensor.GradMode off = Tensor.noGrad()) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            Map<String, Tensor> tower = new LinkedHashMap<>();
            for (Parameter q : p.trainableParameters()) {
                Tensor t = q.value().detach();
                if (q.name().contains("lora_B")) {
                    t.copy_(Tensor.randn(g, DType.F32, t.shape()).mul_(0.05));
                }
                named.put(q.name(), t);
                boolean vision = q.name().contains(".visual.");
                tower.put(q.name(), vision || q.name().contains("lora_A") ? t : Tensor.zeros(DType.F32, t.shape()));
            }
            PeftAdapter.write(adapter, named, lora, model);
            PeftAdapter.write(towerOnly, tower, lora, model);
        }
        Path out = dir.resolve("merged");
        CliRun r = CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("on all-linear (language model and vision tower)"), r.out());
        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        float[] viaAdapter = logProbs(ModelLoader.load(model, LoadOptions.on(Device.CPU), adapter), prompt);
        float[] merged = logProbs(ModelLoader.load(out), prompt);
        for (int i = 0; i < merged.length; i++) {
            assertEquals(viaAdapter[i], merged[i], 2e-5, "log-prob " + i);
        }
        // the tower's adapters alone move the scores beyond that tolerance: a merge that left them out would fail
        float[] base = logProbs(ModelLoader.load(model), prompt);
        float[] tower = logProbs(ModelLoader.load(model, LoadOptions.on(Device.CPU), towerOnly), prompt);
        double moved = 0;
        for (int i = 0; i < base.length; i++) {
            moved = Math.max(moved, Math.abs(tower[i] - base[i]));
        }
        assertTrue(moved > 1e-3, name + ": the tower's adapters change the model: " + moved);
    }

    /**
     * A folder whose {@code target_modules} is PEFT's regular expression, with {@code exclude_modules}, merges the
     * layers PEFT selects (the console names the expression and the exclusion); an expression Java would read otherwise
     * than Python is one line naming the folder's config, exit 2, nothing written.
     */
    @org.junit.jupiter.api.Test
    void regularExpressionTargetsMergeAndPythonOnlyOnesAreOneLine(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Path adapter = dir.resolve("adapter");
        LoraConfig lora = new LoraConfig(4, 16, java.util.Set.of(), ".*\\.(q|v)_proj",
                org.visualrft.model.lora.ModuleNames.list(java.util.Set.of("layers.0.self_attn.v_proj")), null, false,
                false);
        try (Policy p = ModelLoader.load(model, new LoadOptions(Device.CPU, null, lora, 1));
                Generator g = Generator.seeded(12); Tensor.GradMode off = Tensor.noGrad()) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Parameter q : p.trainableParameters()) {
                named.put(q.name(), q.value().detach().copy_(Tensor.randn(g, DType.F32, q.value().shape()).mul_(0.05)));
            }
            assertEquals(2 * 3, named.size(), "q_proj of both layers, v_proj of the second: " + named.keySet());
            PeftAdapter.write(adapter, named, lora, model);
        }
        Path out = dir.resolve("merged");
        CliRun r = CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("on '.*\\.(q|v)_proj' excluding [layers.0.self_attn.v_proj]"), r.out());
        Prompt prompt = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        float[] viaAdapter = logProbs(ModelLoader.load(model, LoadOptions.on(Device.CPU), adapter), prompt);
        float[] merged = logProbs(ModelLoader.load(out), prompt);
        for (int i = 0; i < merged.length; i++) {
            assertEquals(viaAdapter[i], merged[i], 2e-5, "log-prob " + i);
        }

        Path config = adapter.resolve(PeftAdapter.CONFIG);
        Files.writeString(config, Files.readString(config).replace("\"target_modules\" : \".*\\\\.(q|v)_proj\"",
                "\"target_modules\" : \"(?P<m>.*)_proj(?P=m)\""));
        Path other = dir.resolve("other");
        CliRun refused = CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                other.toString());
        assertEquals(2, refused.code(), refused.out() + refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("adapter_config.json") && refused.err().contains("backreferences"),
                refused.err());
        assertFalse(Files.exists(other), "nothing written");
    }

    private static float[] logProbs(Policy policy, Prompt prompt) {
        try (policy; NativeScope s = NativeScope.open(); Tensor.GradMode off = Tensor.noGrad()) {
            return policy.logProbs(prompt, COMPLETIONS).logProbs().toFloats();
        }
    }
}
