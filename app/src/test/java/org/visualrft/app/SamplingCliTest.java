package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyVlm;

/**
 * Hugging Face's repetition_penalty and min_p through the commands (a GRPO run's keys, evaluate's option), and logits
 * that hold NaN (a forward pass that overflows) as one clear line from evaluate and train, not a hang.
 */
class SamplingCliTest {

    @Test
    void trainTakesTheKeysAndEvaluateTheOption(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        String body = "output_dir: " + dir.resolve("run") + "\nnum_generations: 2\nmax_completion_length: 6\n"
                + "max_steps: 1\neval_steps: 0\nreward_mode: strict\nrepetition_penalty: 1.3\nmin_p: 0.1\n";
        CliRun r = CliRun.of("train", "grpo", "--config", TrainCommandTest.config(dir, "g.yaml", body).toString());
        assertEquals(0, r.code(), r.out() + r.err());
        String provenance = Files.readString(dir.resolve("run/provenance.json"));
        assertTrue(provenance.replace(" ", "").contains("\"repetition_penalty\":1.3"), provenance);
        assertTrue(provenance.replace(" ", "").contains("\"min_p\":0.1"), provenance);

        Path json = dir.resolve("m.json");
        CliRun e = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "4", "--limit", "2",
                "--repetition-penalty", "1.5", "--json", json.toString());
        assertEquals(0, e.code(), e.out() + e.err());
        assertTrue(e.out().contains("repetition penalty 1.5"), e.out());
        assertEquals(1.5, new ObjectMapper().readTree(json.toFile()).get("repetition_penalty").asDouble());
        CliRun bad = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--repetition-penalty", "0");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().lines().findFirst().orElse("").contains("--repetition-penalty must be"), bad.err());
    }

    @Test
    void nanLogitsEndEvaluateAndTrainWithOneLine(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        // finite weights (the loader takes them) so large that the forward pass overflows to NaN
        try (TinyVlm m = (TinyVlm) ModelLoader.load(dir.resolve("model")); Tensor.GradMode g = Tensor.noGrad()) {
            m.parameters().get(0).value().fill_(3e38);
            m.save(dir.resolve("broken"));
        }
        CliRun e = CliRun.of("evaluate", "--model", dir.resolve("broken").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "4", "--limit", "1");
        assertOneLine(e, "evaluate");
        String body = "model: " + dir.resolve("broken") + "\noutput_dir: " + dir.resolve("run")
                + "\nnum_generations: 2\nmax_completion_length: 4\nmax_steps: 1\neval_steps: 0\n";
        Path cfg = dir.resolve("g.yaml");
        Files.writeString(cfg, body + "dataset: " + dir.resolve("train.jsonl") + "\n");
        assertOneLine(CliRun.of("train", "grpo", "--config", cfg.toString()), "grpo");
    }

    private static void assertOneLine(CliRun r, String command) {
        assertEquals(1, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("visual-rft " + command) && err.contains("decode step 0, row 0")
                && err.contains("NaN or infinity") && err.contains("overflow"), err);
    }
}
