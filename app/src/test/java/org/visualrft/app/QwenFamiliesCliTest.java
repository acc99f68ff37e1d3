package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;

/** {@code generate --model DIR}, {@code train grpo} and {@code train sft} on folders around the tiny Qwen2.5-VL and Qwen3-VL oracles. */
class QwenFamiliesCliTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void generateAndGrpoRunOnTheFolder(String name, @TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve(name);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Path png = fixture.resolve("image_a.png");
        CliRun g = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt",
                "What is in the image ?", "--samples", "2", "--max-new-tokens", "4", "--seed", "3");
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(g.out().contains("2 samples"), g.out());

        Files.copy(png, dir.resolve("a.png"));
        Files.copy(fixture.resolve("image_b.png"), dir.resolve("b.png"));
        Files.writeString(dir.resolve("train.jsonl"), """
                {"image": "a.png", "problem": "What is in the image ?", "solution": "<answer>cat</answer>", "task": "classification"}
                {"image": "b.png", "problem": "What is in the image ?", "solution": "<answer>dog</answer>", "task": "classification"}
                """);
        Path cfg = dir.resolve("grpo.yaml");
        Files.writeString(cfg, "model: " + model + "\ndataset: " + dir.resolve("train.jsonl") + "\noutput_dir: "
                + dir.resolve("run") + "\nnum_generations: 2\nper_device_train_batch_size: 1\nmax_completion_length: 4\n"
                + "learning_rate: 1.0e-4\nmax_steps: 1\nsave_steps: 1\nreward_mode: strict\n");
        CliRun t = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertEquals(0, t.code(), t.out() + t.err());
        assertTrue(t.out().contains("grpo: 1 of 1 steps done"), t.out());
        try (Policy saved = ModelLoader.load(dir.resolve("run/checkpoint-1/model"))) {
            assertEquals(name.startsWith("qwen25") ? "qwen2_5_vl" : "qwen3_vl", saved.modelType());
        }

        Path sft = dir.resolve("sft.yaml");
        Files.writeString(sft, "model: " + model + "\ndataset: " + dir.resolve("train.jsonl") + "\noutput_dir: "
                + dir.resolve("sft") + "\nper_device_train_batch_size: 2\nlearning_rate: 1.0e-4\nmax_steps: 1\nsave_steps: 1\n");
        CliRun f = CliRun.of("train", "sft", "--config", sft.toString());
        assertEquals(0, f.code(), f.out() + f.err());
        assertTrue(f.out().contains("sft: 1 of 1 steps done"), f.out());
    }
}
