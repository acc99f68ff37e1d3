package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.ForwardingPolicy;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.qwenvl.QwenVlPolicy;
import org.visualrft.model.tensor.Device;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * A GRPO step encodes each prompt's image once ({@link VisionCache}) for sampling, the reference model and the
 * policy's forwards, on the three Qwen families (tiny oracle weights), with LoRA (the reference is the same model,
 * adapters off) and in full fine-tuning (the reference is a deep copy): the sampled ids, every logged number (loss,
 * KL, rewards, gradient norm) and the updated weights are bit-identical to encoding it in each place
 * ({@code -Dvrft.train.visionCache=false}), and the vision tower runs once per prompt per step instead of 2 + μ times.
 */
class VisionReuseTest {
    static final Path FIXTURES = Path.of(System.getProperty("vrft.fixtures", "../fixtures"));
    static final int STEPS = 2;
    static final int PROMPTS_PER_STEP = 2; // per_device_train_batch_size 1 × gradient_accumulation_steps 2
    static final int MU = 2; // num_iterations: the policy's forward runs μ times per prompt

    /** What one run produced: every group's sampled ids in order, the metrics records, the final weights. */
    record Run(List<int[]> sampled, List<Map<String, Object>> metrics, List<float[]> weights, boolean trained,
            long visionForwards) {
    }

    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, true", "qwen2vl-tiny, false", "qwen25vl-tiny, true", "qwen3vl-tiny, true",
        "qwen3vl-tiny, false"})
    void reuseIsBitIdenticalAndRunsTheVisionTowerOncePerPrompt(String fixture, boolean lora, @TempDir Path dir)
            throws Exception {
        Path oracle = FIXTURES.resolve(fixture);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        Run reused = run(oracle, model, dir.resolve("reused"), lora, true, Device.CPU, STEPS, MU);
        Run encodedEachTime = run(oracle, model, dir.resolve("each"), lora, false, Device.CPU, STEPS, MU);

        assertEquals(encodedEachTime.sampled().size(), reused.sampled().size());
        for (int i = 0; i < reused.sampled().size(); i++) {
            assertArrayEquals(encodedEachTime.sampled().get(i), reused.sampled().get(i), "sample " + i);
        }
        assertEquals(STEPS, reused.metrics().size());
        assertEquals(encodedEachTime.metrics(), reused.metrics(), "loss, kl, rewards, grad_norm, ...");
        assertTrue(((Number) reused.metrics().get(0).get("kl")).doubleValue() != 0.0
                || ((Number) reused.metrics().get(1).get("kl")).doubleValue() != 0.0, "the reference term is live");
        assertTrue(reused.trained(), "the updates moved the weights");
        assertEquals(encodedEachTime.weights().size(), reused.weights().size());
        for (int i = 0; i < reused.weights().size(); i++) {
            assertArrayEquals(encodedEachTime.weights().get(i), reused.weights().get(i), "weight " + i);
        }

        int prompts = STEPS * PROMPTS_PER_STEP;
        assertEquals(prompts, reused.visionForwards(), "one vision forward per prompt per step");
        // before: sampling, the policy's forward per update and (LoRA: on the same model) the reference's
        assertEquals((long) prompts * (1 + MU + (lora ? 1 : 0)), encodedEachTime.visionForwards());
    }

    @org.junit.jupiter.api.Test
    void theBuiltInModelTrainsItsVisionEncoderSoItNeverUsesTheCache(@TempDir Path dir) {
        try (org.visualrft.model.tiny.TinyVlm tiny = org.visualrft.train.TinyTask.model(dir, 3);
                VisionCache images = new VisionCache()) {
            assertTrue(tiny.trainableParameters().stream().anyMatch(p -> p.name().startsWith("vision")),
                    "vrft-tiny's vision encoder is trained");
            Prompt prompt = org.visualrft.train.TinyTask.examples(1, 1).get(0).prompt();
            List<Rollout> r = tiny.generate(prompt, 2, SamplingParams.greedy(3), new java.util.SplittableRandom(1),
                    images);
            try (org.visualrft.model.tensor.NativeScope s = org.visualrft.model.tensor.NativeScope.open()) {
                tiny.logProbs(prompt, List.of(r.get(0).tokens()), images);
            }
            assertEquals(0, images.encodes(), "its image is encoded (with autograd) in every forward");
        }
    }

    /** {@code steps} GRPO steps of μ = {@code mu} updates on {@code device}, the image reused or not. */
    static Run run(Path fixture, Path model, Path out, boolean lora, boolean reuse, Device device, int steps, int mu)
            throws Exception {
        List<TrainingExample> data = examples(fixture);
        GrpoConfig cfg = GrpoConfig.parse("test.yaml", """
                output_dir: %s
                num_generations: 3
                per_device_train_batch_size: 1
                gradient_accumulation_steps: 2
                max_completion_length: 5
                num_iterations: %d
                epsilon: 0.2
                beta: 0.04
                learning_rate: 1.0e-2
                max_steps: %d
                save_steps: 1000
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 11
                """.formatted(out, mu, steps));
        String key = "vrft.train.visionCache";
        LoadOptions options = new LoadOptions(device, null, lora ? LoraConfig.allLinear(4, 8) : null, 3);
        try (Policy base = ModelLoader.load(model, options)) {
            List<float[]> before = weights(base);
            Recording policy = new Recording(base);
            GrpoTrainer trainer;
            System.setProperty(key, String.valueOf(reuse));
            try {
                trainer = new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false);
            } finally {
                System.clearProperty(key);
            }
            trainer.run(policy, false, -1);
            List<float[]> after = weights(base);
            boolean trained = false;
            for (int i = 0; i < after.size(); i++) {
                trained |= !java.util.Arrays.equals(before.get(i), after.get(i));
            }
            long forwards = base instanceof Qwen2VLPolicy q ? q.model().visionForwards()
                    : ((QwenVlPolicy) base).model().visionForwards();
            return new Run(policy.sampled, metrics(out.resolve("metrics.jsonl")), after, trained, forwards);
        }
    }

    /** The fixture's two images as classification examples (cat, dog). */
    static List<TrainingExample> examples(Path fixture) {
        List<TrainingExample> data = new ArrayList<>();
        String[] images = {"image_a.png", "image_b.png"};
        String[] labels = {"cat", "dog"};
        for (int i = 0; i < 2; i++) {
            data.add(new TrainingExample("ex" + i, new Prompt(Image.read(fixture.resolve(images[i])),
                    "What is in the image ?"),
                    new RewardSample("<answer>" + labels[i] + "</answer>", Task.CLASSIFICATION, null, Map.of()), null));
        }
        return data;
    }

    private static List<float[]> weights(Policy p) {
        List<float[]> out = new ArrayList<>();
        for (Parameter q : p.parameters()) {
            out.add(q.value().toFloats());
        }
        return out;
    }

    /** Each metrics record without its timings (the only values allowed to differ). */
    private static List<Map<String, Object>> metrics(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rec = new TreeMap<>(json.readValue(line, Map.class));
            rec.keySet().removeIf(k -> k.startsWith("time/") || k.equals("step_time_s") || k.equals("tokens_per_s"));
            out.add(rec);
        }
        return out;
    }

    /**
     * The policy as the trainer sees it, recording the ids of every sample it draws; what the model does with the
     * step's image cache, its prompt lengths and box frame are the model's own.
     */
    static final class Recording extends ForwardingPolicy {
        final List<int[]> sampled = new ArrayList<>();

        Recording(Policy inner) {
            super(inner);
        }

        @Override
        public List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng) {
            return record(m.generate(prompt, g, params, rng));
        }

        @Override
        public List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng,
                VisionCache images) {
            return record(m.generate(prompt, g, params, rng, images));
        }

        private List<Rollout> record(List<Rollout> rollouts) {
            rollouts.forEach(r -> sampled.add(r.tokens()));
            return rollouts;
        }

        @Override
        public GroupLogProbs logProbs(Prompt prompt, List<int[]> completions, VisionCache images) {
            return m.logProbs(prompt, completions, images);
        }

        @Override
        public int contextLength() {
            return m.contextLength();
        }

        @Override
        public int promptLength(Prompt prompt) {
            return m.promptLength(prompt);
        }

        @Override
        public org.visualrft.core.geometry.CoordinateFrame boxFrame() {
            return m.boxFrame();
        }

        @Override
        public org.visualrft.core.geometry.QwenResize resizeRule() {
            return m.resizeRule();
        }

        @Override
        public Device device() {
            return m.device();
        }
    }
}
