package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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

    /**
     * generate --min-pixels/--max-pixels open the folder with those limits (their effect on the image tokens:
     * LoadOptionsTest); bad values are usage errors.
     */
    @Test
    void generateTakesPixelLimits(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve("qwen25vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        String png = fixture.resolve("image_a.png").toString();
        CliRun g = CliRun.of("generate", "--model", model.toString(), "--image", png, "--prompt", "What is it ?",
                "--max-new-tokens", "2", "--min-pixels", "40000", "--max-pixels", "80000");
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(g.out().contains("1 samples"), g.out());
        // 5,000 new tokens do not fit the tiny model's 4,096 positions (max_position_embeddings)
        CliRun tooLong = CliRun.of("generate", "--model", model.toString(), "--image", png, "--prompt", "x",
                "--max-new-tokens", "5000");
        assertEquals(2, tooLong.code(), tooLong.out() + tooLong.err());
        assertTrue(tooLong.err().contains("holds 4096 positions (max_position_embeddings)"), tooLong.err());
        CliRun bad = CliRun.of("generate", "--model", model.toString(), "--image", png, "--prompt", "x",
                "--min-pixels", "9000", "--max-pixels", "8000");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--min-pixels 9000 exceeds --max-pixels 8000"), bad.err());
        CliRun zero = CliRun.of("generate", "--model", model.toString(), "--image", png, "--prompt", "x",
                "--max-pixels", "0");
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("--max-pixels must be a positive pixel area"), zero.err());
    }

    /**
     * evaluate with --max-new-tokens beyond the model's positions: the note's number holds (completions ended past it:
     * "completions end after at most 4062 tokens", then a completion_length of 5000).
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void evaluateEndsCompletionsWhereTheNoteSays(String name, @TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve(name);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Path cfg = model.resolve("config.json");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(cfg.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) (c.has("text_config") ? c.get("text_config") : c))
                .put("max_position_embeddings", 60);
        json.writeValue(cfg.toFile(), c);
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.writeString(dir.resolve("eval.jsonl"), "{\"image\": \"a.png\", \"problem\": \"What is in the image ?\","
                + " \"solution\": \"<answer>cat</answer>\", \"task\": \"classification\"}\n");
        // the note goes to the process's standard error
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        java.io.PrintStream was = System.err;
        CliRun e;
        System.setErr(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            e = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("eval.jsonl").toString(),
                    "--max-new-tokens", "200", "--json", dir.resolve("m.json").toString());
        } finally {
            System.setErr(was);
        }
        String all = e.out() + e.err() + console.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, e.code(), all);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("completions end after at most (\\d+) tokens").matcher(all);
        assertTrue(m.find(), all);
        int atMost = Integer.parseInt(m.group(1));
        double length = json.readTree(dir.resolve("m.json").toFile()).get("metrics").get("completion_length").asDouble();
        assertTrue(length <= atMost, "completion_length " + length + " > " + atMost);
    }
}
