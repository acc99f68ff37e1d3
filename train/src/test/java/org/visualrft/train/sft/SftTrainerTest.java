package org.visualrft.train.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.config.SftTarget;
import org.visualrft.train.data.TrainingExample;

class SftTrainerTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void targetsAreTheAnswerOrThinkingThenAnswer() {
        TrainingExample ex = TinyTask.examples(1, 1).get(0);
        assertEquals("<answer>Shirt</answer>", SftTrainer.target(ex, SftTarget.ANSWER_ONLY));
        assertEquals("<think> top </think><answer>Shirt</answer>", SftTrainer.target(ex, SftTarget.WITH_THINKING));
        TrainingExample bare = new TrainingExample("x", ex.prompt(),
                new RewardSample("<answer>Shirt</answer>", Task.CLASSIFICATION, null, Map.of()), null);
        BadInputException e = assertThrows(BadInputException.class,
                () -> SftTrainer.target(bare, SftTarget.WITH_THINKING));
        assertEquals("x", e.source());
    }

    @Test
    void lossFallsAndTooLongTargetsAreRefused(@TempDir Path dir) throws Exception {
        SftConfig cfg = SftConfig.parse("sft.yaml", """
                output_dir: %s
                sft_target: with_thinking
                per_device_train_batch_size: 2
                gradient_accumulation_steps: 2
                learning_rate: 1.0e-2
                max_steps: 12
                save_steps: 6
                seed: 1
                """.formatted(dir.resolve("run")));
        try (TinyVlm m = TinyTask.model(dir, 2)) {
            new SftTrainer(cfg, TinyTask.examples(8, 3), null, QUIET, false).run(m, false, -1);
        }
        List<String> lines = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(lines.get(0)).get("loss").asDouble();
        double last = json.readTree(lines.get(lines.size() - 1)).get("loss").asDouble();
        assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
        assertTrue(Files.isDirectory(dir.resolve("run/checkpoint-6")) && Files.isDirectory(dir.resolve("run/checkpoint-12")));

        SftConfig tight = SftConfig.parse("sft.yaml", "output_dir: " + dir.resolve("tight")
                + "\nsft_target: with_thinking\nmax_length: 3\nmax_steps: 1\n");
        try (TinyVlm m = TinyTask.model(dir, 2)) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> new SftTrainer(tight, TinyTask.examples(2, 3), null, QUIET, false).run(m, false, -1));
            assertTrue(e.fault().contains("max_length is 3"), e.fault());
        }
    }
}
