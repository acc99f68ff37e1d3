package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;

/**
 * {@link VisionReuseTest} on CUDA, one GRPO step with LoRA (μ = 1): the vision tower runs once per prompt instead of
 * three times, and the step's samples and its forward-only numbers (loss, KL, rewards: computed before the update)
 * are bit-identical to encoding the image in each place. Only the forward is compared: a GPU backward may use atomic
 * adds, which differ between any two runs. Skipped, with the reason printed, where no CUDA GPU is visible;
 * {@code -Dvrft.cuda.test.device=cpu} dry-runs it on the CPU.
 */
class CudaVisionReuseTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void onePromptOneVisionForwardOnCuda(String fixture, @TempDir Path dir) throws Exception {
        Device device = CudaTestDevice.orSkip(CudaVisionReuseTest.class);
        Path oracle = VisionReuseTest.FIXTURES.resolve(fixture);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        VisionReuseTest.Run reused = VisionReuseTest.run(oracle, model, dir.resolve("reused"), true, true, device, 1, 1);
        VisionReuseTest.Run each = VisionReuseTest.run(oracle, model, dir.resolve("each"), true, false, device, 1, 1);

        int prompts = VisionReuseTest.PROMPTS_PER_STEP;
        assertEquals(prompts, reused.visionForwards());
        assertEquals(3L * prompts, each.visionForwards()); // sampling, reference, policy forward
        assertEquals(each.sampled().size(), reused.sampled().size());
        for (int i = 0; i < reused.sampled().size(); i++) {
            assertArrayEquals(each.sampled().get(i), reused.sampled().get(i), "sample " + i);
        }
        for (String key : new String[] {"loss", "kl", "reward", "reward_std", "completion_length"}) {
            assertEquals(each.metrics().get(0).get(key), reused.metrics().get(0).get(key), key);
        }
    }
}
