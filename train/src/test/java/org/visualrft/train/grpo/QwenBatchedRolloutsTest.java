package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.data.TrainingExample;

/**
 * {@code rollout_batch_groups} with Qwen2.5-VL and Qwen3-VL (tiny oracle weights): a step's prompts, of different
 * lengths and image sizes, sampled in chunks of 3 (one batched decode each, the images from the step's
 * {@link VisionCache}) give the groups one prompt at a time gives, up to float rounding of the log-probs.
 */
class QwenBatchedRolloutsTest {
    static final String[] TEXTS = {"What is in the image ?", "Where ?", "Detect all objects belonging to the category cat ."};

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void chunksSampleWhatOnePromptAtATimeSamples(String fixture, @TempDir Path dir) throws Exception {
        Path oracle = VisionReuseTest.FIXTURES.resolve(fixture);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        List<TrainingExample> data = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Image img = Image.read(oracle.resolve(i % 2 == 0 ? "image_a.png" : "image_b.png"));
            data.add(new TrainingExample("ex" + i, new Prompt(img, TEXTS[i % 3]),
                    new RewardSample("<answer>cat</answer>", Task.CLASSIFICATION, null, Map.of()), null));
        }
        try (Policy p = ModelLoader.load(model); VisionCache a = new VisionCache(); VisionCache b = new VisionCache()) {
            RolloutCollector.Batch batched = new RolloutCollector(BatchedRolloutsTest.cfg(3, ""), data,
                    DynamicSamplingTest.halfFlat(false)).collect(p, 5, new DataOrder(5, 4), ProcessGroup.single(),
                    BatchedRolloutsTest.SEEDS, g -> { }, a);
            RolloutCollector.Batch single = new RolloutCollector(BatchedRolloutsTest.cfg(1, ""), data,
                    DynamicSamplingTest.halfFlat(false)).collect(p, 5, new DataOrder(5, 4), ProcessGroup.single(),
                    BatchedRolloutsTest.SEEDS, g -> { }, b);
            for (int i = 0; i < 5; i++) {
                ScoredGroup x = single.groups().get(i);
                ScoredGroup y = batched.groups().get(i);
                String where = fixture + " group " + i;
                assertEquals(x.example().id(), y.example().id(), where);
                for (int j = 0; j < x.rollouts().size(); j++) {
                    assertArrayEquals(x.rollouts().get(j).tokens(), y.rollouts().get(j).tokens(), where + " row " + j);
                    assertArrayEquals(x.rollouts().get(j).logProbs(), y.rollouts().get(j).logProbs(), 1e-5f,
                            where + " row " + j);
                }
                assertArrayEquals(x.advantages(), y.advantages(), 1e-9, where);
            }
        }
    }
}
