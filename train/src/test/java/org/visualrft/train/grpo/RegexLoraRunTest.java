package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.lora.PeftAdapter;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * GRPO with {@code lora_target_modules} given as a regular expression and {@code lora_exclude_modules} as a list, as
 * TRL users write PEFT's {@code target_modules} and {@code exclude_modules}: exactly the layers PEFT selects get an A
 * and a B, two steps move all of them and nothing else, and the checkpoint's adapter folder carries the expression
 * and the exclusion with weights named as the expression saw the modules (transformers 4.52+'s names), so that it
 * opens again on those layers alone.
 */
class RegexLoraRunTest {
    private static final String TARGETS = ".*\\.layers\\.1\\.self_attn\\.(q|v)_proj"
            + "|.*language_model\\.layers\\.\\d+\\.mlp\\.down_proj";

    @Test
    void theExpressionsLayersTrainAndNothingElse(@TempDir Path dir) throws Exception {
        Path oracle = VisionReuseTest.FIXTURES.resolve("qwen2vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        Path out = dir.resolve("run");
        List<TrainingExample> data = VisionReuseTest.examples(oracle);
        GrpoConfig cfg = VisionLoraRunTest.loraRun(out, "lora_target_modules: '" + TARGETS + "'\n"
                + "lora_exclude_modules: [layers.0.mlp.down_proj]\n");
        assertEquals(TARGETS, cfg.asYaml().get("lora_target_modules"));
        assertEquals(List.of("layers.0.mlp.down_proj"), cfg.asYaml().get("lora_exclude_modules"));
        // PEFT's selection, written out (the fixture's own names are the older layout's)
        Set<String> layers = Set.of("model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj",
                "model.layers.1.mlp.down_proj");
        Set<String> want = new TreeSet<>();
        for (String l : layers) {
            want.add("base_model.model." + l + ".lora_A.weight");
            want.add("base_model.model." + l + ".lora_B.weight");
        }
        try (Policy policy = ModelLoader.load(model, cfg.args().loadOptions(Device.CPU))) {
            Map<String, float[]> base = VisionLoraRunTest.values(policy.parameters(), false);
            Map<String, float[]> start = VisionLoraRunTest.values(policy.trainableParameters(), true);
            assertEquals(want, new TreeSet<>(start.keySet()), "an A and a B on exactly the selected layers");
            assertEquals(start.keySet(), policy.trainableParameters().stream().map(Parameter::name)
                    .collect(java.util.stream.Collectors.toSet()), "nothing else trains");
            new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false)
                    .run(policy, false, -1);

            Map<String, float[]> after = VisionLoraRunTest.values(policy.parameters(), false);
            for (String n : base.keySet()) {
                assertArrayEquals(base.get(n), after.get(n), n + " stays as loaded, to the bit");
            }
            Map<String, float[]> trained = VisionLoraRunTest.values(policy.trainableParameters(), true);
            for (String n : start.keySet()) {
                assertFalse(java.util.Arrays.equals(start.get(n), trained.get(n)), n + " moved");
            }

            Path ckpt = out.resolve("checkpoint-2");
            String config = Files.readString(ckpt.resolve(PeftAdapter.CONFIG));
            assertTrue(config.contains("\"target_modules\" : \"" + TARGETS.replace("\\", "\\\\") + "\""), config);
            assertTrue(config.contains("\"exclude_modules\" : [ \"layers.0.mlp.down_proj\" ]"), config);
            try (SafeTensorsFile f = SafeTensorsFile.open(ckpt.resolve(PeftAdapter.WEIGHTS))) {
                assertEquals(trained.size(), f.entries().size());
                for (String n : trained.keySet()) {
                    String nested = n.replace("model.model.layers.", "model.model.language_model.layers.");
                    assertArrayEquals(trained.get(n), f.read(nested).toFloats(), nested);
                }
            }
            try (Policy reopened = ModelLoader.load(model, new LoadOptions(Device.CPU, DType.F32, null, 0), ckpt)) {
                Map<String, float[]> again = VisionLoraRunTest.values(reopened.trainableParameters(), true);
                assertEquals(trained.keySet(), again.keySet());
                for (String n : trained.keySet()) {
                    assertArrayEquals(trained.get(n), again.get(n), n + " reopened");
                }
            }
        }
    }
}
