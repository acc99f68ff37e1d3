package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.Device;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * {@code freeze_vision_modules} in GRPO full fine-tuning of the Qwen families: by default (false) the vision tower trains
 * with the language model, as the original Visual-RFT trains the whole model; true keeps every vision weight as loaded,
 * to the bit. A run with the tower trained, stopped after step 1 and resumed, ends with the same weights and optimiser
 * state, to the bit, as the run left alone.
 */
class VisionTowerRunTest {
    static final int STEPS = 2;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void theTowerTrainsByDefaultStaysWhenFrozenAndResumesExactly(String fixture, @TempDir Path dir) throws Exception {
        Path oracle = VisionReuseTest.FIXTURES.resolve(fixture);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), oracle);
        Map<String, byte[]> base = tensors(model);

        Path trained = run(oracle, model, dir.resolve("trained"), "", -1, false);
        Map<String, byte[]> after = tensors(CheckpointStore.modelDir(trained.resolve("checkpoint-" + STEPS)));
        assertEquals(base.keySet(), after.keySet());
        int visionMoved = 0;
        int languageMoved = 0;
        for (String n : base.keySet()) {
            boolean moved = !java.util.Arrays.equals(base.get(n), after.get(n));
            if (isVision(n)) {
                visionMoved += moved ? 1 : 0;
            } else {
                languageMoved += moved ? 1 : 0;
            }
        }
        assertTrue(visionMoved > 10, fixture + ": " + visionMoved + " vision weights trained");
        assertTrue(languageMoved > 10, fixture + ": " + languageMoved + " language-model weights trained");

        Path frozen = run(oracle, model, dir.resolve("frozen"), "freeze_vision_modules: true", -1, false);
        Map<String, byte[]> kept = tensors(CheckpointStore.modelDir(frozen.resolve("checkpoint-" + STEPS)));
        int languageMovedFrozen = 0;
        for (String n : base.keySet()) {
            if (isVision(n)) {
                assertArrayEquals(base.get(n), kept.get(n), n + " stays as loaded");
            } else {
                languageMovedFrozen += java.util.Arrays.equals(base.get(n), kept.get(n)) ? 0 : 1;
            }
        }
        assertTrue(languageMovedFrozen > 10, languageMovedFrozen + " language-model weights trained");

        Path resumed = dir.resolve("resumed");
        run(oracle, model, resumed, "", 1, false);
        assertFalse(Files.exists(resumed.resolve("checkpoint-" + STEPS)), "stopped after step 1");
        run(oracle, model, resumed, "", -1, true);
        Path a = trained.resolve("checkpoint-" + STEPS);
        Path b = resumed.resolve("checkpoint-" + STEPS);
        Map<String, byte[]> again = tensors(CheckpointStore.modelDir(b));
        for (String n : after.keySet()) {
            assertArrayEquals(after.get(n), again.get(n), n + " after the resume");
        }
        assertArrayEquals(Files.readAllBytes(CheckpointStore.optimizerFile(a)),
                Files.readAllBytes(CheckpointStore.optimizerFile(b)), "optimiser state (vision moments included)");
    }

    private static boolean isVision(String name) {
        return name.startsWith("visual.") || name.startsWith("model.visual.");
    }

    /** A GRPO run of full fine-tuning with {@code extra} settings; stopped after {@code stopAfter} (-1: to the end). */
    private static Path run(Path fixture, Path model, Path out, String extra, int stopAfter, boolean resume)
            throws Exception {
        List<TrainingExample> data = VisionReuseTest.examples(fixture);
        GrpoConfig cfg = GrpoConfig.parse("test.yaml", """
                output_dir: %s
                torch_dtype: float32
                num_generations: 3
                per_device_train_batch_size: 1
                gradient_accumulation_steps: 2
                max_completion_length: 5
                beta: 0.04
                learning_rate: 1.0e-2
                max_steps: %d
                save_steps: 1
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 11
                %s
                """.formatted(out, STEPS, extra));
        try (Policy base = ModelLoader.load(model, cfg.args().loadOptions(Device.CPU))) {
            new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false)
                    .run(base, resume, stopAfter);
        }
        return out;
    }

    /** Every tensor's bytes by name, from the folder's safetensors files. */
    private static Map<String, byte[]> tensors(Path folder) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                try (SafeTensorsFile st = SafeTensorsFile.open(f)) {
                    for (String n : st.entries().keySet()) {
                        ByteBuffer b = st.bytes(n);
                        byte[] bytes = new byte[b.remaining()];
                        b.get(bytes);
                        out.put(n, bytes);
                    }
                }
            }
        }
        return out;
    }
}
