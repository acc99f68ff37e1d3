package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.train.WeightsAssert;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * GRPO on the tiny Qwen2-VL (LoRA, float32) with {@code rollout_batch_groups: 2} on the GPU's sampling path
 * ({@code vrft.sampling.on_device}, here on the CPU): two prompts of different lengths (different images and
 * questions) are decoded together by the static-cache engine, and the run trains what one prompt at a time trains, up
 * to the float rounding of the batched decode.
 */
class Qwen2VlBatchedRolloutsTest {
    static final Path FIXTURE = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");

    /** Two classification examples of different lengths, on the two images of a Qwen oracle folder. */
    static List<TrainingExample> twoExamples(Path fixture) {
        List<TrainingExample> data = new ArrayList<>();
        String[] images = {"image_a.png", "image_b.png"};
        String[] questions = {"What is in the image ?", "cat , dog or box ?"};
        String[] labels = {"cat", "dog"};
        for (int i = 0; i < 2; i++) {
            data.add(new TrainingExample("ex" + i, new Prompt(Image.read(fixture.resolve(images[i])), questions[i]),
                    new RewardSample("<answer>" + labels[i] + "</answer>", Task.CLASSIFICATION, null, Map.of()), null));
        }
        return data;
    }

    static float[][] train(Path dir, String name, int batchGroups) throws Exception {
        List<TrainingExample> data = twoExamples(FIXTURE);
        GrpoConfig cfg = GrpoConfig.parse("test.yaml", """
                output_dir: %s
                num_generations: 3
                per_device_train_batch_size: 2
                max_completion_length: 6
                beta: 0.04
                learning_rate: 1.0e-2
                max_steps: 2
                save_steps: 1000
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 11
                rollout_batch_groups: %d
                """.formatted(dir.resolve(name), batchGroups));
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("m-" + name)), FIXTURE);
        try (Policy p = ModelLoader.load(model, new LoadOptions(Device.CPU, DType.F32, LoraConfig.allLinear(4, 8), 3))) {
            float[][] before = GrpoTrainerTest.weights(p);
            new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false,
                    ProcessGroup.single(), RolloutSeeding.PER_PROMPT).run(p, false, -1);
            float[][] after = GrpoTrainerTest.weights(p);
            boolean moved = false;
            for (int i = 0; i < after.length; i++) {
                moved |= !java.util.Arrays.equals(before[i], after[i]);
            }
            assertTrue(moved, name + ": the updates moved the adapters");
            return after;
        }
    }

    @Test
    void batchedQwen2VlRolloutsTrainWhatOnePromptAtATimeTrains(@TempDir Path dir) throws Exception {
        String was = System.setProperty("vrft.sampling.on_device", "true");
        try {
            float[][] batched = train(dir, "batched", 2);
            float[][] one = train(dir, "one", 1);
            assertEquals(2, Files.readAllLines(dir.resolve("batched/metrics.jsonl")).size());
            WeightsAssert.assertClose(one, batched, 1e-5, 1e-9, "batched Qwen2-VL rollouts");
        } finally {
            if (was == null) {
                System.clearProperty("vrft.sampling.on_device");
            } else {
                System.setProperty("vrft.sampling.on_device", was);
            }
        }
    }
}
