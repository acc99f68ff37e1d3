package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.train.WeightsAssert;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.TinyTask;
import org.visualrft.train.sft.SftTrainer;

/**
 * {@code gradient_checkpointing: true} through the trainers: GRPO (LoRA and full fine-tuning, with the vision tower
 * frozen and trained) and SFT on the tiny Qwen families in float32 train what the plain backward trains: every step's loss and gradient norm within 1e-5,
 * the final weights within AdamW's amplification of rounding (see below); the built-in model refuses the setting with one line before anything is written.
 */
class GradientCheckpointingRunTest {
    static final Path FIXTURES = Path.of(System.getProperty("vrft.fixtures", "../fixtures"));

    /** The run's final trainable weights; its losses are in metrics.jsonl. */
    static float[][] run(Path dir, String family, String trainer, boolean lora, boolean checkpointing) throws Exception {
        return run(dir, family, trainer, lora, checkpointing, false);
    }

    /** As above; with {@code tower} full fine-tuning trains the vision tower too ({@code freeze_vision_modules: false}). */
    static float[][] run(Path dir, String family, String trainer, boolean lora, boolean checkpointing, boolean tower)
            throws Exception {
        Path fixture = FIXTURES.resolve(family);
        String name = tag(trainer, lora, tower) + (checkpointing ? "-ckpt" : "-plain");
        String yaml = """
                output_dir: %s
                per_device_train_batch_size: 2
                learning_rate: 1.0e-2
                max_steps: 2
                save_steps: 1000
                logging_steps: 1
                seed: 11
                gradient_checkpointing: %s
                """.formatted(dir.resolve(family + "-" + name), checkpointing);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("m-" + family + "-" + name)), fixture);
        try (Policy p = ModelLoader.load(model, new LoadOptions(Device.CPU, DType.F32,
                lora ? LoraConfig.allLinear(4, 8) : null, 3).withFreezeVision(tower ? false : null))) {
            if (trainer.equals("grpo")) {
                GrpoConfig cfg = GrpoConfig.parse("test.yaml", yaml + """
                        num_generations: 3
                        max_completion_length: 6
                        beta: 0.04
                        reward_funcs: [accuracy]
                        reward_mode: strict
                        """);
                new GrpoTrainer(cfg, Qwen2VlBatchedRolloutsTest.twoExamples(fixture), GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false,
                        ProcessGroup.single(), RolloutSeeding.PER_PROMPT).run(p, false, -1);
            } else {
                SftConfig cfg = SftConfig.parse("test.yaml", yaml);
                new SftTrainer(cfg, Qwen2VlBatchedRolloutsTest.twoExamples(fixture), null, GrpoTrainerTest.QUIET, false).run(p, false, -1);
            }
            assertEquals(checkpointing, p.gradientCheckpointing(), "the trainer set the policy's checkpointing");
            return GrpoTrainerTest.weights(p);
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, grpo, true", "qwen2vl-tiny, grpo, false", "qwen25vl-tiny, grpo, true",
        "qwen3vl-tiny, grpo, false", "qwen3vl-tiny, sft, true", "qwen2vl-tiny, sft, false"})
    void trainsWhatThePlainBackwardTrains(String family, String trainer, boolean lora, @TempDir Path dir)
            throws Exception {
        compare(dir, family, trainer, lora, false);
    }

    /** Full fine-tuning with the vision tower trained: its blocks are checkpointed too. */
    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, grpo", "qwen25vl-tiny, sft", "qwen3vl-tiny, grpo"})
    void trainsWhatThePlainBackwardTrainsWithTheTowerTrained(String family, String trainer, @TempDir Path dir)
            throws Exception {
        compare(dir, family, trainer, false, true);
    }

    private static String tag(String trainer, boolean lora, boolean tower) {
        return trainer + (lora ? "-lora" : "-full") + (tower ? "-tower" : "");
    }

    private static void compare(Path dir, String family, String trainer, boolean lora, boolean tower) throws Exception {
        float[][] plain = run(dir, family, trainer, lora, false, tower);
        float[][] checkpointed = run(dir, family, trainer, lora, true, tower);
        String tag = tag(trainer, lora, tower);
        List<String> a = Files.readAllLines(dir.resolve(family + "-" + tag + "-plain/metrics.jsonl"));
        List<String> b = Files.readAllLines(dir.resolve(family + "-" + tag + "-ckpt/metrics.jsonl"));
        assertEquals(2, a.size());
        assertEquals(a.size(), b.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = json.readTree(a.get(i));
            JsonNode y = json.readTree(b.get(i));
            double la = x.get("loss").asDouble();
            assertEquals(la, y.get("loss").asDouble(), 1e-5 * Math.max(1, Math.abs(la)), family + " " + tag + " step " + i);
            assertEquals(x.get("grad_norm").asDouble(), y.get("grad_norm").asDouble(),
                    1e-5 * x.get("grad_norm").asDouble(), family + " " + tag + " step " + i + " grad_norm");
        }
        // AdamW divides each entry's step by that entry's own gradient scale, so entries whose gradients sit at the
        // level of float32 rounding move by up to the learning rate either way: the weights agree less closely than
        // the losses and gradient norms above, which show the gradients themselves agree
        WeightsAssert.assertClose(plain, checkpointed, 5e-3, 1e-9, family + " " + tag);
        assertTrue(json.readTree(b.get(b.size() - 1)).get("grad_norm").asDouble() > 0, "gradients flowed");
    }

    @Test
    void theBuiltInModelRefusesItBeforeWriting(@TempDir Path dir) {
        GrpoConfig cfg = GrpoConfig.parse("test.yaml", """
                output_dir: %s
                num_generations: 2
                max_completion_length: 4
                max_steps: 1
                reward_funcs: [accuracy]
                gradient_checkpointing: true
                """.formatted(dir.resolve("out")));
        try (Policy p = TinyTask.model(dir.resolve("tiny"), 3)) {
            BadInputException e = assertThrows(BadInputException.class, () -> new GrpoTrainer(cfg,
                    Qwen2VlBatchedRolloutsTest.twoExamples(FIXTURES.resolve("qwen2vl-tiny")), GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET,
                    false, ProcessGroup.single(), RolloutSeeding.PER_PROMPT).run(p, false, -1));
            assertTrue(e.getMessage().contains("gradient_checkpointing"), e.getMessage());
            assertTrue(!Files.exists(dir.resolve("out")), "nothing written");
        }
    }
}
