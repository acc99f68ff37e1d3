package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.qwen2vl.TinyQwenFolder;

class EvaluateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scoresEveryRecordAndTheRewardCommandAgrees(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path answers = dir.resolve("out/answers.jsonl");
        Path json = dir.resolve("out/metrics.json");
        CliRun r = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "8", "--answers", answers.toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("classification_accuracy") && r.out().contains("rewards/accuracy"), r.out());

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(answers)) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(4, lines.size());
        double accuracy = 0;
        double reward = 0;
        for (JsonNode a : lines) {
            assertEquals("classification", a.get("task").asText());
            assertTrue(a.get("solution").asText().startsWith("<answer>"), a.toString());
            accuracy += a.get("rewards").get("accuracy").asDouble();
            reward += a.get("reward").asDouble();
        }
        JsonNode metrics = JSON.readTree(json.toFile()).get("metrics");
        assertEquals(4, metrics.get("examples").asInt());
        assertEquals(accuracy / 4, metrics.get("rewards/accuracy").asDouble(), 1e-12);
        assertEquals(reward / 4, metrics.get("reward").asDouble(), 1e-12);

        // the answers file is the reward command's input: it re-scores every answer to the same values
        Path rescored = dir.resolve("rescored.jsonl");
        CliRun s = CliRun.of("reward", "--input", answers.toString(), "--output", rescored.toString());
        assertEquals(0, s.code(), s.out() + s.err());
        List<String> again = Files.readAllLines(rescored);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode a = JSON.readTree(again.get(i));
            // the appended fields come last, so they are the re-scored ones
            assertEquals(lines.get(i).get("rewards"), a.get("rewards"), again.get(i));
        }

        // batches that do not divide the records (3 + 1): every record answered once, in the dataset's order
        Path chunked = dir.resolve("chunked.jsonl");
        CliRun c = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "8", "--batch", "3", "--answers",
                chunked.toString());
        assertEquals(0, c.code(), c.err());
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(chunked)) {
            ids.add(JSON.readTree(line).get("id").asText());
        }
        List<String> expected = new ArrayList<>();
        for (JsonNode a : lines) {
            expected.add(a.get("id").asText());
        }
        assertEquals(expected, ids);

        // greedy: a second evaluation writes the same answers
        Path second = dir.resolve("second.jsonl");
        CliRun r2 = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "8", "--answers", second.toString());
        assertEquals(0, r2.code(), r2.err());
        assertEquals(Files.readString(answers), Files.readString(second));
    }

    @Test
    void limitAndRewardSpecAreHonoured(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path json = dir.resolve("m.json");
        CliRun r = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "4", "--limit", "2", "--rewards",
                "format:0.5", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode metrics = JSON.readTree(json.toFile()).get("metrics");
        assertEquals(2, metrics.get("examples").asInt());
        assertTrue(metrics.has("rewards/format"), metrics.toString());
        assertFalse(metrics.has("rewards/accuracy"), metrics.toString());
        assertEquals(0.5 * metrics.get("rewards/format").asDouble(), metrics.get("reward").asDouble(), 1e-12);

        // the reward command that the output names re-scores the answers to the same values also with a reward spec
        // and mode that are not the reward command's defaults (it named only --model-frame, so the reward command
        // scored accuracy + format in strict mode instead)
        Path answers = dir.resolve("a.jsonl");
        CliRun v = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "4", "--rewards", "format:0.5,accuracy",
                "--reward-mode", "visual-rft", "--answers", answers.toString());
        assertEquals(0, v.code(), v.out() + v.err());
        java.util.regex.Matcher hint = java.util.regex.Pattern.compile("; visual-rft (reward [^)]*) re-scores them")
                .matcher(v.out());
        assertTrue(hint.find(), v.out());
        assertTrue(hint.group(1).contains("--mode visual-rft") && hint.group(1).contains("--rewards format:0.5,accuracy"),
                hint.group(1));
        List<String> args = new ArrayList<>(List.of(hint.group(1).split(" ")));
        Path rescored = dir.resolve("rescored.jsonl");
        args.addAll(List.of("--input", answers.toString(), "--output", rescored.toString()));
        CliRun s = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, s.code(), s.out() + s.err());
        List<String> written = Files.readAllLines(answers);
        List<String> again = Files.readAllLines(rescored);
        for (int i = 0; i < written.size(); i++) {
            JsonNode a = JSON.readTree(again.get(i));
            assertEquals(JSON.readTree(written.get(i)).get("rewards"), a.get("rewards"), again.get(i));
            assertEquals(JSON.readTree(written.get(i)).get("reward").asDouble(), a.get("reward").asDouble(), 1e-12);
        }
    }

    @Test
    void detectionOnQwen25VlReportsMapInTheModelsFrame(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve("qwen25vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.writeString(dir.resolve("det.jsonl"), """
                {"image": "a.png", "problem": "Detect all objects belonging to the category 'cat' in the image.", "solution": "<answer>[{'Position': [10, 10, 40, 40], 'Confidence': 1}]</answer>", "task": "detection"}
                """);
        Path json = dir.resolve("m.json");
        CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("det.jsonl").toString(),
                "--max-new-tokens", "4", "--answers", dir.resolve("a.jsonl").toString(), "--json", json.toString(),
                "--max-pixels", "12544", "--min-pixels", "3136");
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode m = JSON.readTree(json.toFile());
        assertEquals("qwen2_5_vl", m.get("model_type").asText());
        assertTrue(m.get("metrics").has("detection_map") && m.get("metrics").has("detection_ap50"), m.toString());
        assertTrue(r.out().contains("--model-frame resized-pixels"), r.out()); // Qwen2.5-VL writes resized pixels
    }

    /**
     * --adapter puts a PEFT LoRA folder over --model: with B = 0 (fresh adapters) the answers are the model's own, to
     * the byte; a folder that is not one is one line, exit 2.
     */
    @Test
    void anAdapterFolderGoesOverTheModel(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve("qwen25vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.writeString(dir.resolve("c.jsonl"), "{\"image\": \"a.png\", \"problem\": \"What is in the image ?\","
                + " \"solution\": \"<answer>cat</answer>\", \"task\": \"classification\"}\n");
        org.visualrft.model.lora.LoraConfig lora = org.visualrft.model.lora.LoraConfig.allLinear(4, 8);
        try (org.visualrft.model.policy.Policy p = org.visualrft.model.policy.ModelLoader.load(model,
                new org.visualrft.model.policy.LoadOptions(org.visualrft.model.tensor.Device.CPU, null, lora, 1))) {
            java.util.Map<String, org.visualrft.model.tensor.Tensor> named = new java.util.LinkedHashMap<>();
            p.trainableParameters().forEach(q -> named.put(q.name(), q.value().detach()));
            org.visualrft.model.lora.PeftAdapter.write(dir.resolve("adapter"), named, lora, model);
        }
        for (String run : new String[] {"plain", "adapter"}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("evaluate", "--model",
                    model.toString(), "--dataset", dir.resolve("c.jsonl").toString(), "--max-new-tokens", "6",
                    "--answers", dir.resolve(run + ".jsonl").toString()));
            if (run.equals("adapter")) {
                args.addAll(java.util.List.of("--adapter", dir.resolve("adapter").toString()));
            }
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.out() + r.err());
        }
        assertEquals(Files.readString(dir.resolve("plain.jsonl")), Files.readString(dir.resolve("adapter.jsonl")));
        CliRun bad = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("c.jsonl").toString(),
                "--adapter", dir.toString());
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("adapter_config.json: missing: not a PEFT adapter folder"), bad.err());
    }

    @Test
    void badInputIsOneLineExit2AndWritesNothing(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        String model = dir.resolve("model").toString();
        String data = dir.resolve("train.jsonl").toString();
        Path answers = dir.resolve("answers.jsonl");

        CliRun missing = CliRun.of("evaluate", "--model", model, "--dataset", dir.resolve("none.jsonl").toString(),
                "--answers", answers.toString());
        assertEquals(2, missing.code(), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("none.jsonl"), missing.err());

        CliRun unknown = CliRun.of("evaluate", "--model", model, "--dataset", data, "--rewards", "no_such_reward",
                "--answers", answers.toString());
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("no_such_reward"), unknown.err());

        CliRun overwrite = CliRun.of("evaluate", "--model", model, "--dataset", data, "--answers", data);
        assertEquals(2, overwrite.code(), overwrite.err());
        assertTrue(overwrite.err().contains("--answers"), overwrite.err());

        CliRun noModel = CliRun.of("evaluate", "--model", dir.resolve("nomodel").toString(), "--dataset", data,
                "--answers", answers.toString());
        assertEquals(2, noModel.code(), noModel.err());
        assertTrue(noModel.err().contains("nomodel"), noModel.err());

        CliRun badBatch = CliRun.of("evaluate", "--model", model, "--dataset", data, "--batch", "0");
        assertEquals(2, badBatch.code(), badBatch.err());
        assertTrue(badBatch.err().contains("--batch"), badBatch.err());

        CliRun badPixels = CliRun.of("evaluate", "--model", model, "--dataset", data, "--min-pixels", "5000",
                "--max-pixels", "4000");
        assertEquals(2, badPixels.code(), badPixels.err());
        assertTrue(badPixels.err().contains("--min-pixels 5000 exceeds --max-pixels 4000"), badPixels.err());
        CliRun zeroPixels = CliRun.of("evaluate", "--model", model, "--dataset", data, "--max-pixels", "0");
        assertEquals(2, zeroPixels.code(), zeroPixels.err());
        assertTrue(zeroPixels.err().contains("--max-pixels must be a positive pixel area"), zeroPixels.err());

        CliRun badMode = CliRun.of("evaluate", "--model", model, "--dataset", data, "--reward-mode", "lenient");
        assertEquals(2, badMode.code(), badMode.err());
        assertTrue(badMode.err().contains("--reward-mode"), badMode.err());

        assertFalse(Files.exists(answers), "nothing written on a failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("answers")), "no temporary files");
        }
    }
}
