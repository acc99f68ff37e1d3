package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.lora.PeftAdapter;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * GRPO with {@code use_peft: true} and {@code freeze_vision_modules: false}: the vision tower's layers get adapters
 * (PEFT's {@code all-linear} over the whole model), two steps move them (A and B) together with the language model's,
 * every base weight stays as loaded to the bit, and the checkpoint's adapter folder holds the tower's adapters exactly
 * as the policy does.
 */
class VisionLoraRunTest {
    static final int STEPS = 2;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny"})
    void theTowersAdaptersTrainAndNoBaseWeightMoves(String fixture, @TempDir Path dir) throws Exception {
        Path oracle = VisionReuseTest.FIXTURES.resolve(fixture);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        Path out = dir.resolve("run");
        List<TrainingExample> data = VisionReuseTest.examples(oracle);
        GrpoConfig cfg = loraRun(out, "freeze_vision_modules: false\n");
        try (Policy policy = ModelLoader.load(model, cfg.args().loadOptions(Device.CPU))) {
            Map<String, float[]> base = values(policy.parameters(), false);
            Map<String, float[]> start = values(policy.trainableParameters(), true);
            assertTrue(start.keySet().stream().anyMatch(n -> n.contains(".visual.")), "adapters on the tower");
            new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false)
                    .run(policy, false, -1);

            Map<String, float[]> after = values(policy.parameters(), false);
            assertEquals(base.keySet(), after.keySet());
            for (String n : base.keySet()) {
                assertArrayEquals(base.get(n), after.get(n), n + " stays as loaded, to the bit");
            }
            Map<String, float[]> trained = values(policy.trainableParameters(), true);
            int visionA = 0;
            int visionB = 0;
            int language = 0;
            for (String n : start.keySet()) {
                boolean moved = !Arrays.equals(start.get(n), trained.get(n));
                if (n.contains(".visual.")) {
                    visionA += moved && n.contains("lora_A") ? 1 : 0;
                    visionB += moved && n.contains("lora_B") ? 1 : 0;
                } else {
                    language += moved ? 1 : 0;
                }
            }
            assertTrue(visionB > 4 && visionA > 4, fixture + ": vision adapters moved, A " + visionA + ", B " + visionB);
            assertTrue(language > 4, fixture + ": " + language + " language-model adapters moved");

            // the checkpoint's PEFT folder holds them bit for bit, and opens over the base as the policy scores
            Path ckpt = out.resolve("checkpoint-" + STEPS);
            assertTrue(Files.readString(ckpt.resolve(PeftAdapter.CONFIG)).contains("\"all-linear\""));
            try (SafeTensorsFile f = SafeTensorsFile.open(ckpt.resolve(PeftAdapter.WEIGHTS))) {
                assertEquals(trained.keySet(), f.entries().keySet());
                for (String n : trained.keySet()) {
                    assertArrayEquals(trained.get(n), f.read(n).toFloats(), n);
                }
            }
            try (Policy reopened = ModelLoader.load(model, new LoadOptions(Device.CPU, DType.F32, null, 0), ckpt)) {
                Map<String, float[]> again = values(reopened.trainableParameters(), true);
                for (String n : trained.keySet()) {
                    assertArrayEquals(trained.get(n), again.get(n), n + " reopened");
                }
            }
        }
    }

    /** Each parameter's values by name: the adapters ({@code adapters}) or every base weight. */
    static Map<String, float[]> values(List<Parameter> ps, boolean adapters) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Tensor.GradMode g = Tensor.noGrad()) {
            for (Parameter p : ps) {
                if (p.name().contains(".lora_") == adapters) {
                    out.put(p.name(), p.value().detach().toFloats());
                }
            }
        }
        return out;
    }

    /** A two-step GRPO LoRA run into {@code out}, with {@code lora} (YAML lines) choosing what the adapters cover. */
    static GrpoConfig loraRun(Path out, String lora) {
        return GrpoConfig.parse("test.yaml", """
                output_dir: %s
                torch_dtype: float32
                use_peft: true
                %slora_r: 4
                lora_alpha: 8
                num_generations: 3
                per_device_train_batch_size: 1
                gradient_accumulation_steps: 2
                max_completion_length: 5
                beta: 0.04
                learning_rate: 5.0e-2
                max_steps: %d
                save_steps: %d
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 11
                """.formatted(out, lora, STEPS, STEPS));
    }
}
