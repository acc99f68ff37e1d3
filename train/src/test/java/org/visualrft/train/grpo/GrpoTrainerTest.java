package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;
import org.visualrft.core.reward.WeightedReward;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.TrainingLoop;
import org.visualrft.train.RewardEval;
import org.visualrft.train.checkpoint.BestCheckpoint;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.metrics.EventFileReader;

class GrpoTrainerTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    static GrpoConfig config(Path out, String extra) {
        return GrpoConfig.parse("test.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: 2
                gradient_accumulation_steps: 2
                max_completion_length: 12
                learning_rate: 3.0e-3
                lr_scheduler_type: cosine
                warmup_steps: 1
                max_steps: 6
                save_steps: 2
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 7
                %s
                """.formatted(out, extra));
    }

    /** The config's accuracy reward plus a toy one that varies with the text, so a random model gets a signal. */
    static Rewarder rewarder(GrpoConfig c) {
        RewardFunction accuracy = RewardRegistry.create("accuracy", RewardMode.STRICT, RewardOptions.DEFAULT);
        RewardFunction length = new RewardFunction() {
            @Override
            public String name() {
                return "length_mod3";
            }

            @Override
            public double score(String completion, org.visualrft.core.reward.RewardSample sample) {
                return completion.length() % 3 / 2.0;
            }
        };
        Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
        sets.put(Task.CLASSIFICATION, new RewardSet(List.of(new WeightedReward(accuracy, 1.0),
                new WeightedReward(length, 0.5))));
        return new Rewarder(sets);
    }

    static float[][] weights(Policy p) {
        List<float[]> out = new ArrayList<>();
        for (Parameter q : p.parameters()) {
            out.add(q.value().toFloats());
        }
        return out.toArray(new float[0][]);
    }

    static float[][] weightsOf(Path modelDir) {
        try (TinyVlm m = TinyVlm.load(modelDir)) {
            return weights(m);
        }
    }

    @Test
    void killedAndResumedRunEndsBitIdentical(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        String extra = "epsilon: 0.2\nnum_iterations: 2\n"; // clipping and μ = 2 exercise old log-probs too

        GrpoConfig straightCfg = config(dir.resolve("straight"), extra);
        float[][] straight;
        try (TinyVlm base = TinyTask.model(dir.resolve("a"), 3)) {
            TrainingLoop.Outcome o = new GrpoTrainer(straightCfg, data, rewarder(straightCfg), null, QUIET, false)
                    .run(base, false, -1);
            assertEquals(6, o.step());
            straight = weights(base);
        }

        GrpoConfig cfg = config(dir.resolve("killed"), extra);
        try (TinyVlm base = TinyTask.model(dir.resolve("b"), 3)) {
            TrainingLoop.Outcome o = new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, false, 3);
            assertEquals(3, o.step()); // "killed" after step 3: its last checkpoint is step 2
        }
        CheckpointStore store = new CheckpointStore(dir.resolve("killed"), 0);
        assertEquals("checkpoint-2", store.latest().orElseThrow().getFileName().toString());
        try (TinyVlm base = TinyTask.model(dir.resolve("c"), 3)) {
            TrainingLoop.Outcome o = new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, true, -1);
            assertEquals(6, o.step());
        }
        float[][] resumed = weightsOf(CheckpointStore.modelDir(store.latest().orElseThrow()));
        assertEquals(straight.length, resumed.length);
        boolean moved = false;
        float[][] initial;
        try (TinyVlm fresh = TinyTask.model(dir.resolve("d"), 3)) {
            initial = weights(fresh);
        }
        for (int i = 0; i < straight.length; i++) {
            assertArrayEquals(straight[i], resumed[i], 0.0f, "parameter " + i);
            moved |= !java.util.Arrays.equals(straight[i], initial[i]);
        }
        assertTrue(moved, "training changed the weights");

        // the resumed run's metrics read as one run: steps 1..6, once each
        List<String> lines = Files.readAllLines(dir.resolve("killed/metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        List<Integer> steps = new ArrayList<>();
        for (String l : lines) {
            steps.add(json.readTree(l).get("step").asInt());
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps);
        JsonNode prov = json.readTree(dir.resolve("killed/checkpoint-6/provenance.json").toFile());
        assertEquals(7, prov.get("seed").asInt());
        assertEquals("strict", prov.get("rewards").get("mode").asText());
        assertEquals("[\"accuracy:1.0\",\"length_mod3:0.5\"]", prov.get("rewards").get("per_task").get("classification").toString());
        assertTrue(prov.get("git_commit").asText().matches("[0-9a-f]{40}|unknown"), prov.get("git_commit").asText());
        assertTrue(prov.get("versions").get("libtorch").asText().startsWith("2."));
    }

    /** {@link #config} with {@code extra} under {@code dir/run}: killed after step 3 (checkpoint 2), then resumed. */
    static void killedAfterStep3ThenResumed(Path dir, String extra) throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        GrpoConfig cfg = config(dir.resolve("run"), extra);
        try (TinyVlm base = TinyTask.model(dir.resolve("a"), 3)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, false, 3);
        }
        try (TinyVlm base = TinyTask.model(dir.resolve("b"), 3)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, true, -1);
        }
    }

    /**
     * {@code report_to: tensorboard}: every metrics.jsonl record is an event at its step with each number under its
     * tag; a resumed run adds a file that restarts at its first step, so that with TensorBoard's restart rule (points
     * of earlier files at or after a session start are dropped) the run reads as metrics.jsonl does, steps 1..6 once.
     */
    @Test
    void tensorBoardEventsCarryTheMetricsAcrossAResume(@TempDir Path dir) throws Exception {
        killedAfterStep3ThenResumed(dir, "report_to: tensorboard\n");
        List<List<EventFileReader.Event>> files = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(dir.resolve("run/tensorboard"))) {
            for (Path f : s.sorted().toList()) {
                files.add(EventFileReader.read(f));
            }
        }
        assertEquals(2, files.size());
        files.sort(java.util.Comparator.comparing(f -> f.size() > 1 && f.get(1).kind().equals("session_start")));
        assertEquals("session_start", files.get(1).get(1).kind(), "the resumed run's file restarts");
        assertEquals(3, files.get(1).get(1).step(), "at the first step it logs");
        Map<Long, Map<String, Float>> seen = new java.util.TreeMap<>();
        for (List<EventFileReader.Event> f : files) {
            for (EventFileReader.Event e : f) {
                if (e.kind().equals("session_start")) {
                    seen.keySet().removeIf(step -> step >= e.step());
                } else if (e.kind().equals("scalars")) {
                    assertEquals(null, seen.put(e.step(), e.scalars()), "step " + e.step() + " twice");
                }
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.copyOf(seen.keySet()));
        assertEquals(6, lines.size());
        for (String line : lines) {
            JsonNode rec = json.readTree(line);
            Map<String, Float> want = new java.util.LinkedHashMap<>();
            rec.fields().forEachRemaining(f -> {
                if (!f.getKey().equals("step") && f.getValue().isNumber()) {
                    want.put("train/" + f.getKey(), (float) f.getValue().asDouble());
                }
            });
            assertTrue(want.containsKey("train/reward") && want.containsKey("train/loss"), want.toString());
            assertEquals(want, seen.get(rec.get("step").asLong()), "step " + rec.get("step"));
        }
    }

    /** A run of 2-token completions of the float64 model (the same samples on every CPU), with or without the mask. */
    private static List<JsonNode> shortCompletionsRun(Path dir, boolean mask) throws Exception {
        GrpoConfig cfg = GrpoConfig.parse("t.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: 2
                max_completion_length: 2
                learning_rate: 3.0e-3
                max_steps: 3
                save_steps: 100
                beta: 0.0
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 7
                log_completions: true
                mask_truncated_completions: %s
                """.formatted(dir.resolve("run"), mask));
        try (TinyVlm base = TinyTask.model(dir.resolve("m"), 3, org.visualrft.model.tensor.DType.F64)) {
            new GrpoTrainer(cfg, TinyTask.examples(6, 1), rewarder(cfg), null, QUIET, false).run(base, false, -1);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("run/metrics.jsonl"))) {
            out.add(json.readTree(l));
        }
        return out;
    }

    /**
     * mask_truncated_completions: completions cut at max_completion_length leave the loss. With 2-token completions
     * that all hit the limit (checked: truncated_ratio 1, and every logged completion without an end token) and
     * rewards that vary within the groups, the masked run's gradient is exactly 0 at every step; unmasked it is not.
     */
    @Test
    void truncatedCompletionsLeaveTheLossWhenMasked(@TempDir Path dir) throws Exception {
        List<JsonNode> masked = shortCompletionsRun(dir.resolve("masked"), true);
        List<JsonNode> plain = shortCompletionsRun(dir.resolve("plain"), false);
        assertEquals(3, masked.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, masked.get(i).get("truncated_ratio").asDouble(), "every completion hit the limit");
            assertEquals(1.0, plain.get(i).get("truncated_ratio").asDouble());
            assertEquals(0.0, masked.get(i).get("grad_norm").asDouble(), "step " + (i + 1) + ": nothing in the loss");
            assertEquals(0.0, masked.get(i).get("loss").asDouble());
        }
        assertTrue(plain.get(0).get("frac_reward_zero_std").asDouble() < 1, "some group has a learning signal");
        assertTrue(plain.get(0).get("grad_norm").asDouble() > 0, plain.get(0).toString());
        for (String l : Files.readAllLines(dir.resolve("masked/run/completions.jsonl"))) {
            assertEquals(false, new ObjectMapper().readTree(l).get("ended_with_eos").asBoolean(), l);
        }
    }

    /** A run's completions.jsonl, its lines grouped by step in file order. */
    static Map<Integer, List<JsonNode>> completionsByStep(Path run) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<Integer, List<JsonNode>> byStep = new java.util.TreeMap<>();
        for (String l : Files.readAllLines(run.resolve("completions.jsonl"))) {
            JsonNode n = json.readTree(l);
            byStep.computeIfAbsent(n.get("step").asInt(), k -> new ArrayList<>()).add(n);
        }
        return byStep;
    }

    /**
     * report_to: tensorboard with log_completions: each step also shows its first completions as a markdown table in
     * TensorBoard's text tab, the rows being completions.jsonl's first lines of that step; across a resume, with
     * TensorBoard's restart rule, one table per step.
     */
    @Test
    void completionsShowAsATextTablePerStepInTensorBoard(@TempDir Path dir) throws Exception {
        killedAfterStep3ThenResumed(dir, "report_to: tensorboard\nlog_completions: true\n");
        Map<Long, String> tables = new java.util.TreeMap<>();
        List<List<EventFileReader.Event>> files = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(dir.resolve("run/tensorboard"))) {
            for (Path f : s.toList()) {
                files.add(EventFileReader.read(f));
            }
        }
        files.sort(java.util.Comparator.comparing(f -> f.size() > 1 && f.get(1).kind().equals("session_start")));
        for (List<EventFileReader.Event> f : files) {
            for (EventFileReader.Event e : f) {
                if (e.kind().equals("session_start")) {
                    tables.keySet().removeIf(step -> step >= e.step());
                } else if (e.texts().containsKey("completions")) {
                    assertEquals(null, tables.put(e.step(), e.texts().get("completions")), "step " + e.step());
                }
            }
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.copyOf(tables.keySet()));
        Map<Integer, List<JsonNode>> byStep = completionsByStep(dir.resolve("run"));
        for (Map.Entry<Long, String> t : tables.entrySet()) {
            List<String> lines = t.getValue().lines().toList();
            assertEquals(2 + GrpoTrainer.TABLE_ROWS, lines.size(), t.getValue());
            assertEquals("| example | task | reward | advantage | completion |", lines.get(0));
            for (int r = 0; r < GrpoTrainer.TABLE_ROWS; r++) {
                JsonNode c = byStep.get(t.getKey().intValue()).get(r);
                assertTrue(lines.get(2 + r).startsWith("| " + c.get("example").asText() + " | classification | "
                        + String.format(java.util.Locale.ROOT, "%.3f", c.get("reward").asDouble())), lines.get(2 + r));
            }
        }
    }

    /**
     * eval_on_start (Hugging Face's): the starting model is evaluated before the first step and logged at step 0; the
     * run trains the same weights as without it (greedy evaluation draws nothing from the run's random streams), and a
     * resumed run does not evaluate its start again.
     */
    @Test
    void evalOnStartLogsTheStartingModelAtStepZeroAndChangesNothingElse(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        List<List<float[]>> trained = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>()));
        for (int on = 0; on < 2; on++) {
            GrpoConfig cfg = config(dir.resolve("run" + on), "eval_dataset: eval.jsonl\neval_steps: 3\n"
                    + (on == 1 ? "eval_on_start: true\n" : ""));
            org.visualrft.train.RewardEval eval = new org.visualrft.train.RewardEval(TinyTask.examples(4, 9),
                    rewarder(cfg), org.visualrft.core.reward.RewardMode.STRICT, 8, 0);
            try (TinyVlm m = TinyTask.model(dir.resolve("m" + on), 3)) {
                Map<String, Double> start = on == 1 ? eval.evaluate(m) : null;
                new GrpoTrainer(cfg, data, rewarder(cfg), eval, QUIET, false).run(m, false, -1);
                for (Parameter p : m.parameters()) {
                    trained.get(on).add(p.value().toFloats());
                }
                List<String> lines = Files.readAllLines(dir.resolve("run" + on + "/metrics.jsonl"));
                JsonNode first = new ObjectMapper().readTree(lines.get(0));
                if (on == 1) {
                    assertEquals(0, first.get("step").asInt(), lines.get(0));
                    assertEquals(start.get("reward"), first.get("eval/reward").asDouble(), 0.0, "the starting model");
                    assertEquals(1 + 6 + 2, lines.size(), "step 0, six steps, evaluations at 3 and 6");
                } else {
                    assertEquals(1, first.get("step").asInt(), lines.get(0));
                }
            }
        }
        for (int i = 0; i < trained.get(0).size(); i++) {
            assertArrayEquals(trained.get(0).get(i), trained.get(1).get(i), "weight " + i + ": the same training");
        }
        Path run = dir.resolve("resumed");
        GrpoConfig cfg = config(run, "eval_dataset: eval.jsonl\neval_steps: 3\neval_on_start: true\n");
        org.visualrft.train.InLoopEval count = new org.visualrft.train.InLoopEval() {
            int calls;

            @Override
            public Map<String, Double> evaluate(org.visualrft.model.policy.Policy p) {
                return Map.of("calls", (double) ++calls);
            }
        };
        try (TinyVlm m = TinyTask.model(dir.resolve("ma"), 3)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), count, QUIET, false).run(m, false, 3);
        }
        try (TinyVlm m = TinyTask.model(dir.resolve("mb"), 3)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), count, QUIET, false).run(m, true, -1);
        }
        long zeros = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.startsWith("{\"step\":0,"))
                .count();
        assertEquals(1, zeros, "step 0 evaluated once, by the first run");
    }

    /** The table keeps each completion on its row: pipes escaped, whitespace runs one space, long text cut. */
    @Test
    void completionsTableCellsStayInTheirRows() {
        TrainingExample ex = TinyTask.examples(1, 1).get(0);
        List<org.visualrft.model.policy.Rollout> rollouts = List.of(
                new org.visualrft.model.policy.Rollout(new int[] {1}, "a | b\n\nc", new float[] {0f}, true),
                new org.visualrft.model.policy.Rollout(new int[] {1}, "x".repeat(500), new float[] {0f}, false));
        ScoredGroup g = new ScoredGroup(ex, rollouts, new double[] {1.0, 0.0}, List.of(Map.of(), Map.of()),
                new double[] {0.7071, -0.7071});
        List<String> lines = GrpoTrainer.completionsTable(GrpoTrainer.records(1, g)).lines().toList();
        assertEquals(4, lines.size());
        assertEquals("| ex0 | classification | 1.000 | 0.707 | a \\| b c |", lines.get(2));
        assertEquals("| ex0 | classification | 0.000 | -0.707 | " + "x".repeat(400) + "… |", lines.get(3));
    }

    /**
     * log_completions: every completion of every step, once, with its rewards and advantage — the step's mean reward
     * is metrics.jsonl's, and a resumed run's file reads as one run (steps after the checkpoint dropped, then redone).
     */
    @Test
    void completionsLogHoldsEverySampleOnceAcrossAResume(@TempDir Path dir) throws Exception {
        killedAfterStep3ThenResumed(dir, "log_completions: true\n");
        ObjectMapper json = new ObjectMapper();
        Map<Integer, List<JsonNode>> byStep = completionsByStep(dir.resolve("run"));
        assertEquals(List.of(1, 2, 3, 4, 5, 6), List.copyOf(byStep.keySet()));
        for (String l : Files.readAllLines(dir.resolve("run/metrics.jsonl"))) {
            JsonNode m = json.readTree(l);
            List<JsonNode> lines = byStep.get(m.get("step").asInt());
            assertEquals(2 * 2 * 4, lines.size(), "prompts × accumulation × G completions at step " + m.get("step"));
            double reward = 0;
            for (JsonNode n : lines) {
                reward += n.get("reward").asDouble() / lines.size();
                double total = n.get("rewards/accuracy").asDouble() + 0.5 * n.get("rewards/length_mod3").asDouble();
                assertEquals(total, n.get("reward").asDouble(), 1e-12, n.toString());
                assertEquals(n.get("completion").asText().length() % 3 / 2.0, n.get("rewards/length_mod3").asDouble());
                assertTrue(n.get("example").asText().startsWith("ex") && n.has("advantage") && n.has("solution"));
            }
            assertEquals(m.get("reward").asDouble(), reward, 1e-9, "step " + m.get("step"));
        }
    }

    /**
     * scale_rewards: batch — each completion's advantage is its reward less its group's mean, over the unbiased std of
     * all the step's rewards (+1e-4), TRL's definition; read back from the completions log.
     */
    @Test
    void batchScaledAdvantagesUseTheWholeStepsSpread(@TempDir Path dir) throws Exception {
        GrpoConfig cfg = config(dir.resolve("run"), "log_completions: true\nscale_rewards: batch\n");
        try (TinyVlm base = TinyTask.model(dir.resolve("a"), 3)) {
            new GrpoTrainer(cfg, TinyTask.examples(6, 1), rewarder(cfg), null, QUIET, false).run(base, false, -1);
        }
        Map<Integer, List<JsonNode>> byStep = completionsByStep(dir.resolve("run"));
        assertEquals(6, byStep.size());
        int differsFromGroupScale = 0;
        for (List<JsonNode> lines : byStep.values()) {
            double[] all = lines.stream().mapToDouble(n -> n.get("reward").asDouble()).toArray();
            double mean = java.util.Arrays.stream(all).average().orElseThrow();
            double ss = 0;
            for (double r : all) {
                ss += (r - mean) * (r - mean);
            }
            double scale = Math.sqrt(ss / (all.length - 1)) + 1e-4;
            for (int g = 0; g < lines.size(); g += 4) { // a group: 4 consecutive lines of one prompt
                List<JsonNode> group = lines.subList(g, g + 4);
                double gm = group.stream().mapToDouble(n -> n.get("reward").asDouble()).average().orElseThrow();
                double gss = 0;
                for (JsonNode n : group) {
                    assertEquals(group.get(0).get("example").asText(), n.get("example").asText());
                    gss += Math.pow(n.get("reward").asDouble() - gm, 2);
                }
                for (JsonNode n : group) {
                    double want = (n.get("reward").asDouble() - gm) / scale;
                    assertEquals(want, n.get("advantage").asDouble(), 1e-12 * Math.max(1, Math.abs(want)), n.toString());
                    double groupScaled = (n.get("reward").asDouble() - gm) / (Math.sqrt(gss / 3) + 1e-4);
                    differsFromGroupScale += Math.abs(groupScaled - want) > 1e-6 ? 1 : 0;
                }
            }
        }
        assertTrue(differsFromGroupScale > 0, "the batch scale is not the groups' own");
    }

    /**
     * metric_for_best_model: the checkpoint whose step's evaluation scored best (the first of equals) is kept although
     * save_total_limit 1 would remove it, named in trainer_state.json and the outcome, and still known after a resume.
     */
    @Test
    void theBestCheckpointIsKeptAndNamedAcrossAResume(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        GrpoConfig cfg = GrpoConfig.parse("best.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: 2
                max_completion_length: 12
                learning_rate: 5.0e-2
                lr_scheduler_type: constant
                max_steps: 6
                save_steps: 2
                eval_steps: 2
                save_total_limit: 1
                eval_dataset: unused.jsonl
                metric_for_best_model: eval/rewards/length_mod3
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 7
                """.formatted(dir.resolve("run"))); // checkpoints and evaluations every 2 steps
        RewardEval eval = new RewardEval(data, rewarder(cfg), RewardMode.STRICT, 12, 0);
        try (TinyVlm base = TinyTask.model(dir.resolve("a"), 3, org.visualrft.model.tensor.DType.F64)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), eval, QUIET, false).run(base, false, 3); // killed after step 3
        }
        TrainingLoop.Outcome o;
        try (TinyVlm base = TinyTask.model(dir.resolve("b"), 3, org.visualrft.model.tensor.DType.F64)) {
            o = new GrpoTrainer(cfg, data, rewarder(cfg), eval, QUIET, false).run(base, true, -1);
        }
        ObjectMapper json = new ObjectMapper();
        int bestStep = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        List<Double> values = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("run/metrics.jsonl"))) {
            JsonNode n = json.readTree(l);
            if (n.has("eval/rewards/length_mod3")) {
                double v = n.get("eval/rewards/length_mod3").asDouble();
                values.add(v);
                if (v > bestValue) {
                    bestValue = v;
                    bestStep = n.get("step").asInt();
                }
            }
        }
        assertEquals(3, values.size());
        assertTrue(values.stream().distinct().count() > 1, "the evaluations differ: " + values);
        BestCheckpoint want = new BestCheckpoint("rewards/length_mod3", bestValue, "checkpoint-" + bestStep);
        assertEquals(want, o.best());
        assertEquals(want, CheckpointStore.readState(dir.resolve("run/checkpoint-6")).best());
        List<String> kept = new ArrayList<>();
        for (Path p : new CheckpointStore(dir.resolve("run"), 0).list()) {
            kept.add(p.getFileName().toString());
        }
        assertTrue(bestStep < 6, "the best is not the last checkpoint here (float64: the same on every CPU): " + values);
        assertEquals(List.of("checkpoint-" + bestStep, "checkpoint-6"), kept);
    }

    /**
     * save_only_model: checkpoints hold the model (loadable) and the trainer state but no optimiser state, and a resume
     * from one is refused in one line instead of continuing inexactly.
     */
    @Test
    void modelOnlyCheckpointsCannotBeResumed(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        GrpoConfig cfg = config(dir.resolve("run"), "save_only_model: true\n");
        try (TinyVlm base = TinyTask.model(dir.resolve("a"), 3)) {
            new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, false, 3);
        }
        Path ckpt = dir.resolve("run/checkpoint-2");
        assertFalse(Files.exists(CheckpointStore.optimizerFile(ckpt)));
        assertTrue(CheckpointStore.readState(ckpt).modelOnly());
        assertTrue(weightsOf(CheckpointStore.modelDir(ckpt)).length > 0, "the model folder loads");
        try (TinyVlm base = TinyTask.model(dir.resolve("b"), 3)) {
            org.visualrft.core.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.visualrft.core.BadInputException.class,
                    () -> new GrpoTrainer(cfg, data, rewarder(cfg), null, QUIET, false).run(base, true, -1));
            assertTrue(e.getMessage().contains("save_only_model: true"), e.getMessage());
        }
        org.visualrft.core.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.visualrft.core.BadInputException.class, () -> org.visualrft.train.checkpoint.ResumeCheck.check(
                        dir.resolve("run"), true, false, new org.visualrft.train.checkpoint.ResumeCheck.Run("grpo",
                                cfg.asYaml(), 7, 6, 6, dir.resolve("x.yaml"), 1), QUIET));
        assertTrue(e.getMessage().contains("start a new run with model: "), e.getMessage());
    }

    /** 3 steps of GRPO from the same model, {@code perDevice} prompts a micro-batch, under {@code dir/name}. */
    static float[][] entropyRun(Path dir, String name, int perDevice, String extra) throws Exception {
        GrpoConfig c = GrpoConfig.parse("e.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: %d
                gradient_accumulation_steps: 2
                max_completion_length: 12
                learning_rate: 3.0e-3
                max_steps: 3
                save_steps: 3
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 7
                %s
                """.formatted(dir.resolve(name), perDevice, extra));
        try (TinyVlm m = TinyTask.model(dir.resolve("model-" + name), 3)) {
            new GrpoTrainer(c, TinyTask.examples(12, 2), rewarder(c), null, QUIET, false).run(m, false, -1);
            return weights(m);
        }
    }

    static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(new ObjectMapper().readTree(l));
        }
        return out;
    }

    /**
     * top_entropy_quantile 1 (TRL's default) is the run without the key, and the mask's whole machinery with a mask
     * that keeps every token — ρ just below 1, whose threshold rounds to the lowest entropy — trains the same weights
     * to the bit, whether a micro-batch's entropies come from each group's own forward (one group a micro-batch) or
     * from a forward without autograd first (two). The entropy is logged either way.
     */
    @Test
    void topEntropyQuantileOneAndAMaskKeepingEveryTokenTrainWhatTheRunWithoutItTrains(@TempDir Path dir)
            throws Exception {
        for (int perDevice : new int[] {1, 2}) {
            float[][] plain = entropyRun(dir, "plain" + perDevice, perDevice, "");
            float[][] one = entropyRun(dir, "one" + perDevice, perDevice, "top_entropy_quantile: 1.0");
            float[][] all = entropyRun(dir, "all" + perDevice, perDevice, "top_entropy_quantile: 0.9999999999999999");
            for (int i = 0; i < plain.length; i++) {
                assertArrayEquals(plain[i], one[i], 0.0f, "rho 1, parameter " + i);
                assertArrayEquals(plain[i], all[i], 0.0f, "every token kept, parameter " + i);
            }
            List<JsonNode> a = metrics(dir.resolve("plain" + perDevice));
            List<JsonNode> b = metrics(dir.resolve("all" + perDevice));
            for (int s = 0; s < a.size(); s++) {
                for (String k : List.of("loss", "entropy", "kl", "grad_norm")) {
                    assertEquals(a.get(s).get(k).asDouble(), b.get(s).get(k).asDouble(), 0.0, k + " at step " + s);
                }
                double h = a.get(s).get("entropy").asDouble();
                assertTrue(h > 0.1 && h < 10, "a random model's entropy in nats: " + h);
            }
        }
    }

    /**
     * top_entropy_quantile 0.2: the same samples, rewards, entropies and KL at step 1 (the same model), but only a
     * fifth of the tokens keep their policy term, so the loss and the update differ from the run with every token.
     */
    @Test
    void aTopEntropyQuantileLeavesLowEntropyTokensOutOfThePolicyTerm(@TempDir Path dir) throws Exception {
        for (int perDevice : new int[] {1, 2}) {
            float[][] plain = entropyRun(dir, "plain" + perDevice, perDevice, "beta: 0.04");
            float[][] top = entropyRun(dir, "top" + perDevice, perDevice, "beta: 0.04\ntop_entropy_quantile: 0.2");
            JsonNode a = metrics(dir.resolve("plain" + perDevice)).get(0);
            JsonNode b = metrics(dir.resolve("top" + perDevice)).get(0);
            for (String k : List.of("reward", "tokens", "entropy", "kl")) {
                assertEquals(a.get(k).asDouble(), b.get(k).asDouble(), 0.0, k + " at step 1");
            }
            assertTrue(a.get("reward_std").asDouble() > 0, "a learning signal: " + a);
            assertTrue(Math.abs(a.get("loss").asDouble() - b.get("loss").asDouble()) > 1e-6,
                    "the loss changes: " + a.get("loss") + " vs " + b.get("loss"));
            double moved = 0;
            for (int i = 0; i < plain.length; i++) {
                for (int j = 0; j < plain[i].length; j++) {
                    moved = Math.max(moved, Math.abs(plain[i][j] - top[i][j]));
                }
            }
            assertTrue(moved > 1e-4, "the update differs: " + moved);
        }
    }

    @Test
    void nanLossSkipsTheStepAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        nanLossSkipsTheStep(dir, "");
    }

    /** A non-finite loss with top_entropy_quantile: the micro-batches after it still exchange their entropies. */
    @Test
    void nanLossSkipsTheStepWithTheEntropyMaskToo(@TempDir Path dir) throws Exception {
        nanLossSkipsTheStep(dir, "top_entropy_quantile: 0.5\n");
    }

    static void nanLossSkipsTheStep(Path dir, String extra) throws Exception {
        GrpoConfig cfg = config(dir.resolve("run"), extra);
        AtomicInteger calls = new AtomicInteger();
        RewardFunction flaky = new RewardFunction() {
            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public double score(String completion, org.visualrft.core.reward.RewardSample sample) {
                int c = calls.getAndIncrement();
                return c >= 16 && c < 32 ? Double.NaN : (c % 3) * 0.5; // step 2's rewards are NaN
            }
        };
        Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
        sets.put(Task.CLASSIFICATION, new RewardSet(List.of(new WeightedReward(flaky, 1.0))));
        try (TinyVlm base = TinyTask.model(dir, 3)) {
            TrainingLoop.Outcome o = new GrpoTrainer(cfg, TinyTask.examples(6, 1), new Rewarder(sets), null, QUIET,
                    false).run(base, false, -1);
            assertEquals(6, o.step());
            assertEquals(1, o.nanSkipped());
            for (float[] w : weights(base)) {
                for (float v : w) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
        List<String> lines = Files.readAllLines(dir.resolve("run/metrics.jsonl"));
        JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals(1, last.get("nan_skipped").asInt());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        for (String k : List.of("loss", "reward", "reward_std", "rewards/flaky", "kl", "entropy", "completion_length",
                "clip_ratio", "learning_rate", "grad_norm", "step_time_s", "tokens_per_s",
                "hacking/cls_not_one_label")) {
            assertTrue(first.has(k), k + " in " + first);
        }
        assertFalse(Double.isNaN(first.get("loss").asDouble()));
        // the skipped step (2) reports no update: its loss, KL, clip ratio, entropy and grad norm are NaN, not what
        // the groups before the NaN added up to; the steps around it report finite ones
        JsonNode skipped = new ObjectMapper().readTree(lines.get(1));
        assertEquals(2, skipped.get("step").asInt());
        for (String k : TrainingLoop.UPDATE_METRICS) {
            assertTrue(Double.isNaN(skipped.get(k).asDouble()), k + " of the skipped step: " + skipped);
            assertTrue(Double.isFinite(new ObjectMapper().readTree(lines.get(2)).get(k).asDouble()), k);
        }
    }
}
