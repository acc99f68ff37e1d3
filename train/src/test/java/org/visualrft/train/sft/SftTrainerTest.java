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
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.checkpoint.CheckpointStore;
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
        // a blank solution would train the model to answer with the end-of-sequence token alone
        for (String blank : List.of("", " \n ")) {
            TrainingExample empty = new TrainingExample("y", ex.prompt(),
                    new RewardSample(blank, Task.CLASSIFICATION, null, Map.of()), "top");
            for (SftTarget kind : SftTarget.values()) {
                BadInputException b = assertThrows(BadInputException.class, () -> SftTrainer.target(empty, kind));
                assertEquals("y", b.source());
                assertTrue(b.fault().contains("solution is empty"), b.fault());
            }
        }
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

    /**
     * The loss of a step is the mean of -log p over every target token of the step, whatever its split into
     * micro-batches (Hugging Face's Trainer since its 2024 gradient-accumulation fix): the first step's loss is the
     * whole dataset's token mean, computed here example by example, and the trained weights do not depend on the split.
     */
    @Test
    void theStepLossIsTheTokenMeanOfTheWholeStepWhateverTheAccumulation(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.unevenTargets(8);
        double nll = 0;
        int tokens = 0;
        SftConfig probe = SftConfig.parse("sft.yaml", "sft_target: with_thinking\n");
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2, DType.F64); NativeScope s = NativeScope.open()) {
            SftTrainer t = new SftTrainer(probe, data, null, QUIET, false);
            java.util.Set<Integer> lengths = new java.util.HashSet<>();
            for (TrainingExample ex : data) {
                int[] target = t.targetTokens(m, ex);
                lengths.add(target.length);
                GroupLogProbs lp = m.logProbs(List.of(ex.prompt()), List.of(target));
                nll -= lp.logProbs().sum().item();
                tokens += target.length;
            }
            assertTrue(lengths.size() > 2, "targets of several lengths: " + lengths);
        }
        double expected = nll / tokens;
        double[][] reference = null;
        for (int[] split : new int[][] {{8, 1}, {4, 2}, {2, 4}, {1, 8}}) {
            Path run = dir.resolve("run-" + split[0] + "x" + split[1]);
            SftConfig cfg = SftConfig.parse("sft.yaml", """
                    output_dir: %s
                    sft_target: with_thinking
                    per_device_train_batch_size: %d
                    gradient_accumulation_steps: %d
                    learning_rate: 1.0e-2
                    max_steps: 3
                    save_steps: 3
                    seed: 1
                    """.formatted(run, split[0], split[1]));
            double[][] w;
            try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2, DType.F64)) {
                new SftTrainer(cfg, data, null, QUIET, false).run(m, false, -1);
                w = m.parameters().stream().map(p -> p.value().toDoubles()).toArray(double[][]::new);
            }
            String label = split[0] + " x " + split[1];
            double first = new ObjectMapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(0))
                    .get("loss").asDouble();
            assertEquals(expected, first, 1e-12 * expected, label + ": step 1's loss");
            if (reference == null) {
                reference = w;
                continue;
            }
            for (int i = 0; i < w.length; i++) {
                for (int j = 0; j < w[i].length; j++) {
                    assertEquals(reference[i][j], w[i][j], 1e-9 * Math.max(1, Math.abs(reference[i][j])),
                            label + ": parameter " + i + "[" + j + "]");
                }
            }
        }
    }

    /**
     * eval/loss (Hugging Face's eval_loss): the training loss's definition on the evaluation records with the trained
     * weights — −log p of every target token over all of them, computed here record by record — with a record without
     * a target left out and counted; metric_for_best_model: eval_loss then keeps the checkpoint with the lowest.
     */
    @Test
    void evalLossIsTheTokenMeanOverTheEvaluationTargets(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.unevenTargets(8);
        List<TrainingExample> evalSet = new java.util.ArrayList<>(TinyTask.unevenTargets(5));
        TrainingExample blank = evalSet.get(2);
        evalSet.set(2, new TrainingExample(blank.id(), blank.prompt(), new org.visualrft.core.reward.RewardSample(" ",
                blank.task(), null, java.util.Map.of()), blank.thinking()));
        Path run = dir.resolve("run");
        SftConfig cfg = SftConfig.parse("sft.yaml", "output_dir: " + run + "\nsft_target: with_thinking\n"
                + "per_device_train_batch_size: 2\nlearning_rate: 1.0e-2\nmax_steps: 4\nsave_steps: 2\neval_steps: 2\n"
                + "eval_dataset: eval.jsonl\nmetric_for_best_model: eval_loss\nseed: 1\n");
        double nll = 0;
        int tokens = 0;
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2, DType.F64)) {
            org.visualrft.train.InLoopEval answers = p -> java.util.Map.of("reward", 0.0);
            SftTrainer t = new SftTrainer(cfg, data, new SftEval(answers, evalSet, cfg), QUIET, false);
            t.run(m, false, -1);
            try (NativeScope s = NativeScope.open(); var g = org.visualrft.model.tensor.Tensor.noGrad()) {
                for (int i = 0; i < evalSet.size(); i++) {
                    if (i == 2) {
                        continue;
                    }
                    TrainingExample ex = evalSet.get(i);
                    int[] target = t.targetTokens(m, ex);
                    nll -= m.logProbs(List.of(ex.prompt()), List.of(target)).logProbs().sum().item();
                    tokens += target.length;
                }
            }
        }
        List<com.fasterxml.jackson.databind.JsonNode> evals = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode n = new ObjectMapper().readTree(line);
            if (n.has("eval/loss")) {
                evals.add(n);
            }
        }
        assertEquals(2, evals.size(), "at steps 2 and 4");
        assertEquals(nll / tokens, evals.get(1).get("eval/loss").asDouble(), 1e-12 * nll / tokens, "eval/loss");
        assertEquals(1.0, evals.get(1).get("eval/loss_skipped").asDouble());
        int best = evals.get(0).get("eval/loss").asDouble() < evals.get(1).get("eval/loss").asDouble() ? 2 : 4;
        assertEquals("checkpoint-" + best, org.visualrft.train.checkpoint.CheckpointStore.readState(
                run.resolve("checkpoint-4")).best().checkpoint());
    }

    /**
     * A run stopped after step 5 (its last checkpoint at 4) and resumed ends where an uninterrupted run ends, to the
     * bit: warm-up and cosine schedule, accumulation, clipping, epoch boundaries inside steps (6 examples, 4 a step),
     * save_total_limit; metrics.jsonl reads as the uninterrupted run's. (Float32: checkpoints hold the built-in
     * model's weights as float32.)
     */
    @Test
    void aStoppedRunResumesBitIdentically(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.unevenTargets(6);
        String yaml = """
                output_dir: %s
                sft_target: with_thinking
                per_device_train_batch_size: 2
                gradient_accumulation_steps: 2
                learning_rate: 2.0e-2
                lr_scheduler_type: cosine
                warmup_ratio: 0.2
                max_grad_norm: 0.5
                max_steps: 9
                save_steps: 2
                save_total_limit: 2
                seed: 4
                """;
        SftConfig straight = SftConfig.parse("sft.yaml", yaml.formatted(dir.resolve("straight")));
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2)) {
            new SftTrainer(straight, data, null, QUIET, false).run(m, false, -1);
        }
        SftConfig cfg = SftConfig.parse("sft.yaml", yaml.formatted(dir.resolve("run")));
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2)) {
            new SftTrainer(cfg, data, null, QUIET, false).run(m, false, 5);
        }
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 2)) { // the checkpoint's model is what trains on
            assertEquals(9, new SftTrainer(cfg, data, null, QUIET, false).run(m, true, -1).step());
        }
        Path a9 = dir.resolve("straight/checkpoint-9");
        Path b9 = dir.resolve("run/checkpoint-9");
        assertEquals(-1, Files.mismatch(CheckpointStore.modelDir(a9).resolve("model.safetensors"),
                CheckpointStore.modelDir(b9).resolve("model.safetensors")), "the weights differ");
        assertEquals(-1, Files.mismatch(CheckpointStore.optimizerFile(a9), CheckpointStore.optimizerFile(b9)),
                "the optimiser state differs");
        ObjectMapper json = new ObjectMapper();
        List<String> a = Files.readAllLines(dir.resolve("straight/metrics.jsonl"));
        List<String> b = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            var x = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(a.get(i));
            var y = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(b.get(i));
            for (var n : List.of(x, y)) {
                n.remove(List.of("step_time_s", "tokens_per_s", "time/backward_s", "time/allreduce_s",
                        "time/optimizer_s"));
            }
            assertEquals(x, y, "metrics line " + (i + 1));
        }
        try (var files = Files.list(dir.resolve("run"))) {
            assertEquals(List.of("checkpoint-8", "checkpoint-9"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("checkpoint")).sorted().toList());
        }
    }
}
