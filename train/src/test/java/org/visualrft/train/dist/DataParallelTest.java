package org.visualrft.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.DistBackend;
import org.visualrft.model.tensor.DistributedException;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Rendezvous;
import org.visualrft.model.tensor.StoreServer;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.TrainingLoop;
import org.visualrft.train.WeightsAssert;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.train.grpo.RolloutSeeding;
import org.visualrft.train.sft.SftTrainer;

/**
 * Data parallel over real c10d Gloo on loopback, two ranks as two threads of this JVM (each with its own model and
 * process group, as two processes would have): 2 ranks × half the batch must train what 1 rank × the whole batch
 * trains. The launcher's separate processes and their faults are tested in the app module.
 */
class DataParallelTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
    private static final ExecutorService RANKS = Executors.newFixedThreadPool(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** How long a fault test waits for a timeout to act before calling it a hang: far beyond any timeout it sets. */
    private static final Duration SILENCE_CAP = Duration.ofSeconds(120);

    @AfterAll
    static void stop() {
        RANKS.shutdownNow();
    }

    interface RankRun {
        float[][] run(int rank, ProcessGroup group) throws Exception;
    }

    /** Runs {@code body} on two ranks joined over a fresh loopback store; returns each rank's result. */
    static List<float[][]> twoRanks(RankRun body) throws Exception {
        return twoRanks(body, TIMEOUT);
    }

    static List<float[][]> twoRanks(RankRun body, Duration timeout) throws Exception {
        try (StoreServer store = StoreServer.start(2, timeout)) {
            List<Future<float[][]>> f = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                f.add(RANKS.submit(() -> {
                    Engine.setThreads(1);
                    try (ProcessGroup g = ProcessGroup.connect(new Rendezvous("127.0.0.1", store.port(), rank, 2,
                            rank, DistBackend.GLOO, Device.CPU, timeout, true))) {
                        return body.run(rank, g);
                    }
                }));
            }
            List<float[][]> out = new ArrayList<>();
            for (Future<float[][]> x : f) {
                out.add(x.get(120, TimeUnit.SECONDS));
            }
            return out;
        }
    }

    static GrpoConfig grpo(Path out, int batch) {
        return grpo(out, batch, "");
    }

    static GrpoConfig grpo(Path out, int batch, String extra) {
        return GrpoConfig.parse("dp.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: %d
                gradient_accumulation_steps: 2
                max_completion_length: 10
                learning_rate: 3.0e-3
                warmup_steps: 1
                max_steps: 10
                save_steps: 5
                logging_steps: 1
                beta: 0.04
                reward_funcs: [accuracy, format]
                reward_mode: strict
                seed: 11
                %s
                """.formatted(out, batch, extra));
    }

    static SftConfig sft(Path out, int batch) {
        return sft(out, batch, "");
    }

    static SftConfig sft(Path out, int batch, String extra) {
        return SftConfig.parse("dp.yaml", """
                output_dir: %s
                sft_target: with_thinking
                per_device_train_batch_size: %d
                gradient_accumulation_steps: 2
                learning_rate: 1.0e-2
                max_steps: 10
                save_steps: 5
                logging_steps: 1
                seed: 5
                %s
                """.formatted(out, batch, extra));
    }

    static float[][] weights(Policy p) {
        List<float[]> out = new ArrayList<>();
        for (Parameter q : p.parameters()) {
            out.add(q.value().toFloats());
        }
        return out.toArray(new float[0][]);
    }

    /** Per tensor: the relative error ||a - b|| / ||a|| (L2) at most {@code rel}. */
    static void assertClose(float[][] a, float[][] b, double rel) {
        WeightsAssert.assertClose(a, b, rel, 0, "data parallel");
    }

    static List<Double> curve(Path run, String key) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var n = json.readTree(line);
            if (n.has(key)) {
                out.add(n.get(key).asDouble());
            }
        }
        return out;
    }

    /** Format plus a toy reward that varies with the text, so a random model's groups are not flat. */
    static Rewarder rewarder(GrpoConfig c) {
        org.visualrft.core.reward.RewardFunction format = org.visualrft.core.reward.RewardRegistry.create("format",
                org.visualrft.core.reward.RewardMode.STRICT, org.visualrft.core.reward.RewardOptions.DEFAULT);
        org.visualrft.core.reward.RewardFunction length = new org.visualrft.core.reward.RewardFunction() {
            @Override
            public String name() {
                return "length_mod3";
            }

            @Override
            public double score(String completion, org.visualrft.core.reward.RewardSample sample) {
                return completion.length() % 3 / 2.0;
            }
        };
        java.util.Map<org.visualrft.core.reward.Task, org.visualrft.core.reward.RewardSet> sets =
                new java.util.EnumMap<>(org.visualrft.core.reward.Task.class);
        sets.put(org.visualrft.core.reward.Task.CLASSIFICATION, new org.visualrft.core.reward.RewardSet(List.of(
                new org.visualrft.core.reward.WeightedReward(format, 1.0),
                new org.visualrft.core.reward.WeightedReward(length, 0.5))));
        return new Rewarder(sets);
    }

    @Test
    void twoRanksWithHalfTheBatchTrainWhatOneRankTrainsWithAllOfItGrpo(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(12, 2);
        GrpoConfig whole = grpo(dir.resolve("one"), 4);
        float[][] initial;
        float[][] one;
        try (TinyVlm m = TinyTask.model(dir.resolve("m1"), 3)) {
            initial = weights(m);
            new GrpoTrainer(whole, data, rewarder(whole), null, QUIET, false, ProcessGroup.single(),
                    RolloutSeeding.PER_PROMPT).run(m, false, -1);
            one = weights(m);
        }
        GrpoConfig half = grpo(dir.resolve("two"), 2);
        List<float[][]> ranks = twoRanks((rank, g) -> {
            // rank 1 starts from other weights: the broadcast from rank 0 must replace them
            try (TinyVlm m = TinyTask.model(dir.resolve("r" + rank), rank == 0 ? 3 : 4)) {
                new GrpoTrainer(half, data, rewarder(half), null, QUIET, false, g, RolloutSeeding.PER_PROMPT)
                        .run(m, false, -1);
                return weights(m);
            }
        });
        assertRanksAgree(initial, one, ranks);
        List<Double> r1 = curve(dir.resolve("one"), "reward");
        List<Double> r2 = curve(dir.resolve("two"), "reward");
        assertEquals(10, r1.size());
        for (int i = 0; i < r1.size(); i++) {
            assertEquals(r1.get(i), r2.get(i), 1e-9, "reward at step " + (i + 1));
        }
        assertEquals(curve(dir.resolve("one"), "tokens"), curve(dir.resolve("two"), "tokens"));
        assertFalse(Files.exists(dir.resolve("r1/metrics.jsonl")));
    }

    /**
     * GRPO with {@code extra} settings on one rank (4 prompts a micro-batch, under {@code dir/one}) and on two (2 each,
     * {@code dir/two}) from the same model: the two ranks end with the same weights, within float rounding of the one
     * rank's, and training moved them.
     */
    private static void oneRankAndTwoAgree(Path dir, String extra) throws Exception {
        List<TrainingExample> data = TinyTask.examples(12, 2);
        GrpoConfig whole = grpo(dir.resolve("one"), 4, extra);
        float[][] initial;
        float[][] one;
        try (TinyVlm m = TinyTask.model(dir.resolve("m1"), 3)) {
            initial = weights(m);
            new GrpoTrainer(whole, data, rewarder(whole), null, QUIET, false, ProcessGroup.single(),
                    RolloutSeeding.PER_PROMPT).run(m, false, -1);
            one = weights(m);
        }
        GrpoConfig half = grpo(dir.resolve("two"), 2, extra);
        List<float[][]> ranks = twoRanks((rank, g) -> {
            try (TinyVlm m = TinyTask.model(dir.resolve("r" + rank), 3)) {
                new GrpoTrainer(half, data, rewarder(half), null, QUIET, false, g, RolloutSeeding.PER_PROMPT)
                        .run(m, false, -1);
                return weights(m);
            }
        });
        assertRanksAgree(initial, one, ranks);
    }

    /**
     * top_entropy_quantile takes the quantile over every loss token of a global micro-batch, whichever rank holds
     * it. One step from the same weights (so the same entropies: a step function of them is compared): one rank with
     * a micro-batch's two groups, scored without autograd first, trains what two ranks with one each (each reading
     * its group's own forward) train, with the same loss and entropy; and so with batched rollouts of two prompts,
     * where one rank holds both groups of a micro-batch and the other none. Over later steps the weights differ by
     * float rounding, and a token whose entropy ties the threshold (the G completions' first tokens always do, their
     * prefix being the same) may fall on either side, so longer runs agree only as long as none does.
     */
    @Test
    void twoRanksKeepTheHighEntropyTokensOneRankKeeps(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(12, 2);
        // thresholds in the bulk of the entropies, away from the ties of the completions' first tokens, so that
        // each group's own quantile would differ from the micro-batch's
        for (String extra : new String[] {"top_entropy_quantile: 0.5\n",
            "top_entropy_quantile: 0.4\nrollout_batch_groups: 2\nepsilon: 0.2\n"}) {
            Path run = dir.resolve(Integer.toString(extra.length()));
            GrpoConfig whole = oneStep(run.resolve("one"), 2, extra);
            float[][] initial;
            float[][] one;
            try (TinyVlm m = TinyTask.model(run.resolve("m1"), 3)) {
                sharpened(m);
                initial = weights(m);
                new GrpoTrainer(whole, data, rewarder(whole), null, QUIET, false, ProcessGroup.single(),
                        RolloutSeeding.PER_PROMPT).run(m, false, -1);
                one = weights(m);
            }
            GrpoConfig half = oneStep(run.resolve("two"), 1, extra);
            List<float[][]> ranks = twoRanks((rank, g) -> {
                try (TinyVlm m = TinyTask.model(run.resolve("r" + rank), 3)) {
                    sharpened(m);
                    new GrpoTrainer(half, data, rewarder(half), null, QUIET, false, g, RolloutSeeding.PER_PROMPT)
                            .run(m, false, -1);
                    return weights(m);
                }
            });
            assertRanksAgree(initial, one, ranks);
            for (String key : new String[] {"loss", "entropy", "kl", "reward"}) {
                double a = curve(run.resolve("one"), key).get(0);
                double b = curve(run.resolve("two"), key).get(0);
                assertEquals(a, b, 1e-9 * Math.max(1, Math.abs(a)), key + " with " + extra);
            }
            assertTrue(curve(run.resolve("one"), "entropy").get(0) > 1, "entropies spread over nats");
        }
    }

    /** One GRPO step of 2 micro-batches of {@code batch} prompts a rank. */
    static GrpoConfig oneStep(Path out, int batch, String extra) {
        return GrpoConfig.parse("dp.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: %d
                gradient_accumulation_steps: 2
                max_completion_length: 10
                learning_rate: 3.0e-3
                max_steps: 1
                logging_steps: 1
                beta: 0.04
                reward_funcs: [accuracy, format]
                reward_mode: strict
                seed: 11
                %s
                """.formatted(out, batch, extra));
    }

    /**
     * The model with its logits scaled by 12 (the final norm's weight): a random model's next-token distributions
     * are all near uniform, their entropies within float rounding of one another; scaled, they spread over nats.
     */
    static void sharpened(TinyVlm m) {
        try (var g = org.visualrft.model.tensor.Tensor.noGrad()) {
            for (Parameter p : m.parameters()) {
                if (p.name().equals("model.norm.weight")) {
                    p.value().mul_(12.0);
                }
            }
        }
    }

    /**
     * Batched rollouts: chunks of 3 prompts (8 a step: 3, 3, 2; on two ranks, rank 0 samples the first and last chunk)
     * and dynamic sampling's refill rounds chunked in turn: the chunks are the same on any number of ranks, so the
     * samples are too, and log_completions writes the same completions.jsonl (rank 0 gathers the other rank's records
     * and writes them in the step's order of prompts).
     */
    @Test
    void twoRanksTrainWhatOneRankTrainsWithBatchedRollouts(@TempDir Path dir) throws Exception {
        oneRankAndTwoAgree(dir, "rollout_batch_groups: 3\ndynamic_sampling: true\nlog_completions: true\n");
        List<String> one = Files.readAllLines(dir.resolve("one/completions.jsonl"));
        assertEquals(one, Files.readAllLines(dir.resolve("two/completions.jsonl")));
        assertTrue(one.size() >= 10 * 8 * 3, one.size() + " completions logged");
        assertEquals(curve(dir.resolve("one"), "reward"), curve(dir.resolve("two"), "reward"));
        assertEquals(curve(dir.resolve("one"), "tokens"), curve(dir.resolve("two"), "tokens"));
        List<Double> prompts = curve(dir.resolve("one"), "prompts_sampled");
        assertEquals(prompts, curve(dir.resolve("two"), "prompts_sampled"));
        assertTrue(prompts.stream().anyMatch(p -> p > 8), "a refill round ran: " + prompts);
    }

    /**
     * What needs every rank's groups: scale_rewards batch (the std of all the step's rewards), and token_mean weights
     * that count only the tokens mask_truncated_completions leaves (with GSPO's sequence ratios and μ = 2 clipped
     * updates): the same on two ranks as on one.
     */
    @Test
    void twoRanksTrainWhatOneRankTrainsWithBatchScaleAndMaskedTruncation(@TempDir Path dir) throws Exception {
        oneRankAndTwoAgree(dir, "scale_rewards: batch\nmask_truncated_completions: true\nloss_type: token_mean\n"
                + "importance_sampling_level: sequence\nepsilon: 0.2\nnum_iterations: 2\n");
        assertEquals(curve(dir.resolve("one"), "loss").size(), 10);
        for (String key : new String[] {"reward", "tokens", "truncated_ratio"}) {
            assertEquals(curve(dir.resolve("one"), key), curve(dir.resolve("two"), key), key);
        }
        List<Double> truncated = curve(dir.resolve("one"), "truncated_ratio");
        assertTrue(truncated.stream().anyMatch(t -> t > 0 && t < 1), "some completions were masked: " + truncated);
        List<Double> l1 = curve(dir.resolve("one"), "loss");
        List<Double> l2 = curve(dir.resolve("two"), "loss");
        for (int i = 0; i < l1.size(); i++) {
            assertEquals(l1.get(i), l2.get(i), 1e-6 * Math.max(1, Math.abs(l1.get(i))), "loss at step " + (i + 1));
        }
    }

    @Test
    void twoRanksWithHalfTheBatchTrainWhatOneRankTrainsWithAllOfItSft(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.unevenTargets(16); // ranks' slices hold different token counts
        SftConfig whole = sft(dir.resolve("one"), 4);
        float[][] one;
        try (TinyVlm m = TinyTask.model(dir.resolve("m1"), 2)) {
            new SftTrainer(whole, data, null, QUIET, false).run(m, false, -1);
            one = weights(m);
        }
        SftConfig half = sft(dir.resolve("two"), 2);
        List<float[][]> ranks = twoRanks((rank, g) -> {
            try (TinyVlm m = TinyTask.model(dir.resolve("r" + rank), 2)) {
                new SftTrainer(half, data, null, QUIET, false, g).run(m, false, -1);
                return weights(m);
            }
        });
        assertClose(one, ranks.get(0), 1e-5);
        assertClose(ranks.get(0), ranks.get(1), 0.0);
        List<Double> l1 = curve(dir.resolve("one"), "loss");
        List<Double> l2 = curve(dir.resolve("two"), "loss");
        for (int i = 0; i < l1.size(); i++) {
            assertEquals(l1.get(i), l2.get(i), 1e-5 * Math.abs(l1.get(i)), "loss at step " + (i + 1));
        }
        assertTrue(l1.get(l1.size() - 1) < l1.get(0), "SFT loss falls");
    }

    /**
     * num_train_epochs counts epochs of the data whatever the number of ranks: a step draws per-device batch ×
     * accumulation × world size examples, so 2 ranks take half the steps 1 rank with the same per-device batch takes,
     * and as many as 1 rank with the whole global batch (Hugging Face's steps per epoch: data / global batch).
     */
    @Test
    void oneEpochOnTwoRanksIsOneEpochOfTheData(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(16, 3);
        String yaml = """
                output_dir: %s
                sft_target: with_thinking
                per_device_train_batch_size: %d
                gradient_accumulation_steps: 2
                learning_rate: 1.0e-2
                num_train_epochs: 1
                seed: 5
                """;
        TrainingLoop.Outcome one;
        try (TinyVlm m = TinyTask.model(dir.resolve("m1"), 2)) {
            one = new SftTrainer(SftConfig.parse("dp.yaml", yaml.formatted(dir.resolve("one"), 4)), data, null, QUIET,
                    false).run(m, false, -1);
        }
        assertEquals(2, one.totalSteps()); // 16 examples, 8 a step
        SftConfig half = SftConfig.parse("dp.yaml", yaml.formatted(dir.resolve("two"), 2));
        List<Integer> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
        twoRanks((rank, g) -> {
            try (TinyVlm m = TinyTask.model(dir.resolve("r" + rank), 2)) {
                TrainingLoop.Outcome o = new SftTrainer(half, data, null, QUIET, false, g).run(m, false, -1);
                steps.add(o.totalSteps());
                steps.add(o.step());
                return weights(m);
            }
        });
        assertEquals(List.of(2, 2, 2, 2), steps);
        List<Double> epochs = curve(dir.resolve("two"), "epoch");
        assertEquals(1.0, epochs.get(epochs.size() - 1), "epochs of data drawn: " + epochs);
    }

    /**
     * Both ranks stop after step 7, as a kill leaves the run, and resume to where an uninterrupted run ends: without
     * ZeRO, with ZeRO stage 1 throughout, and a ZeRO stage 1 run resumed unsharded.
     */
    @Test
    void aStoppedTwoRankRunResumesToWhereAnUninterruptedOneEnds(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(16, 3);
        SftConfig straightCfg = sft(dir.resolve("straight"), 2);
        List<float[][]> straight = twoRanks((rank, g) -> {
            try (TinyVlm m = TinyTask.model(dir.resolve("s" + rank), 2)) {
                new SftTrainer(straightCfg, data, null, QUIET, false, g).run(m, false, -1);
                return weights(m);
            }
        });
        for (String zero : List.of("0 0", "1 1", "1 0")) { // zero_stage before the kill, then on resume
            Path run = dir.resolve("killed " + zero);
            SftConfig cfg = sft(run, 2, "zero_stage: " + zero.charAt(0) + "\n");
            twoRanks((rank, g) -> {
                try (TinyVlm m = TinyTask.model(run.resolve("m" + rank), 2)) {
                    new SftTrainer(cfg, data, null, QUIET, false, g).run(m, false, 7);
                    return weights(m);
                }
            });
            try (Stream<Path> files = Files.list(run)) { // the last complete checkpoint is step 5
                assertEquals(List.of("checkpoint-5"), files.map(p -> p.getFileName().toString())
                        .filter(n -> n.contains("checkpoint")).sorted().toList());
            }
            SftConfig again = sft(run, 2, "zero_stage: " + zero.charAt(2) + "\n");
            List<float[][]> resumed = twoRanks((rank, g) -> {
                try (TinyVlm m = TinyTask.model(run.resolve("m" + rank), 2)) {
                    TrainingLoop.Outcome o = new SftTrainer(again, data, null, QUIET, false, g).run(m, true, -1);
                    assertEquals(10, o.step());
                }
                try (TinyVlm m = TinyVlm.load(CheckpointStore.modelDir(run.resolve("checkpoint-10")))) {
                    return weights(m);
                }
            });
            assertClose(straight.get(0), resumed.get(0), 0.0);
        }
    }

    /**
     * ZeRO stage 1 on two ranks (bf16, so float32 masters are sharded too): the same weights as without it, to the bit,
     * on both ranks, and checkpoints whose optimiser state is the same file, gathered from both ranks' shares.
     */
    @Test
    void zeroStage1TrainsTheSameWeightsAndSavesTheSameState(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(12, 2);
        List<List<float[][]>> runs = new ArrayList<>();
        for (String zero : List.of("0", "1")) {
            GrpoConfig c = grpo(dir.resolve("zero" + zero), 2, "zero_stage: " + zero + "\n");
            runs.add(twoRanks((rank, g) -> {
                try (TinyVlm m = TinyTask.model(dir.resolve("m" + zero + rank), 3,
                        org.visualrft.model.tensor.DType.BF16)) {
                    new GrpoTrainer(c, data, rewarder(c), null, QUIET, false, g, RolloutSeeding.PER_PROMPT)
                            .run(m, false, -1);
                    return weights(m);
                }
            }));
        }
        for (int rank = 0; rank < 2; rank++) {
            assertClose(runs.get(0).get(rank), runs.get(1).get(rank), 0.0);
        }
        assertClose(runs.get(1).get(0), runs.get(1).get(1), 0.0);
        for (String ckpt : List.of("checkpoint-5", "checkpoint-10")) {
            Path plain = dir.resolve("zero0").resolve(ckpt).resolve("optimizer.safetensors");
            Path sharded = dir.resolve("zero1").resolve(ckpt).resolve("optimizer.safetensors");
            assertEquals(-1, Files.mismatch(plain, sharded), ckpt + ": the optimiser state differs");
        }
        assertEquals(curve(dir.resolve("zero0"), "loss"), curve(dir.resolve("zero1"), "loss"));
    }

    /**
     * The feature is the timeout, so the check is behavioural with a wide margin rather than a stopwatch: rank 1 stays
     * alive but silent until rank 0 has ended (or {@link #SILENCE_CAP}, 24 times the configured timeout, passes), and
     * rank 0 must have failed while rank 1 was still silent, i.e. through its own timeout, not because rank 1 closed
     * its connections. The timeout is several seconds so that ordinary steps on a slow machine never reach it.
     */
    @Test
    void aRankThatStopsAnsweringMidRunFailsTheOthersWithinTheTimeout(@TempDir Path dir) throws Exception {
        List<TrainingExample> data = TinyTask.examples(16, 3);
        SftConfig cfg = sft(dir.resolve("run"), 2);
        Duration timeout = Duration.ofSeconds(5);
        CountDownLatch rank0Ended = new CountDownLatch(1);
        AtomicBoolean rank1Spoke = new AtomicBoolean();
        AtomicBoolean rank0EndedWhileRank1Silent = new AtomicBoolean();
        Exception e = assertThrows(Exception.class, () -> twoRanks((rank, g) -> {
            try (TinyVlm m = TinyTask.model(dir.resolve("m" + rank), 2)) {
                if (rank == 1) {
                    new SftTrainer(cfg, data, null, QUIET, false, g).run(m, false, 6);
                    // alive but silent, as a hung rank, until rank 0 has ended
                    rank0Ended.await(SILENCE_CAP.toMillis(), TimeUnit.MILLISECONDS);
                    rank1Spoke.set(true);
                    return weights(m);
                }
                try {
                    new SftTrainer(cfg, data, null, QUIET, false, g).run(m, false, -1);
                    return weights(m);
                } finally {
                    rank0EndedWhileRank1Silent.set(!rank1Spoke.get());
                    rank0Ended.countDown();
                }
            }
        }, timeout));
        String msg = rootMessage(e);
        assertTrue(rank0EndedWhileRank1Silent.get(), "rank 0 did not fail while rank 1 was silent for "
                + SILENCE_CAP.toSeconds() + " s (timeout " + timeout.toSeconds() + " s): " + msg);
        assertTrue(msg.startsWith("rank 0: ") && msg.contains("failed") && !msg.contains("\n"), msg);
        // step 6's checkpoint is complete; nothing after it was written, not even in part
        try (Stream<Path> files = Files.list(dir.resolve("run"))) {
            assertEquals(List.of("checkpoint-5"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains("checkpoint")).sorted().toList());
        }
    }

    @Test
    void ranksWithDifferentConfigsRefuseToStart(@TempDir Path dir) {
        List<TrainingExample> data = TinyTask.examples(8, 3);
        Exception e = assertThrows(Exception.class, () -> twoRanks((rank, g) -> {
            SftConfig c = sft(dir.resolve("run"), rank == 0 ? 2 : 1);
            try (TinyVlm m = TinyTask.model(dir.resolve("m" + rank), 2)) {
                new SftTrainer(c, data, null, QUIET, false, g).run(m, false, -1);
                return weights(m);
            }
        }));
        assertTrue(rootMessage(e).contains("different configs"), rootMessage(e));
        assertFalse(Files.exists(dir.resolve("run/checkpoint-5")));
    }

    /**
     * The feature is the timeout: with a small configured timeout the lone rank must give up, and the bound it is held
     * to ({@link #SILENCE_CAP}) is many times that timeout, so only a rank that ignores its timeout (a hang) fails it,
     * never a slow machine.
     */
    @Test
    void aRankThatNeverArrivesIsAnErrorWithinTheTimeout() {
        Duration timeout = Duration.ofSeconds(2);
        try (StoreServer store = StoreServer.start(2, timeout)) {
            long t0 = System.nanoTime();
            DistributedException e = assertThrows(DistributedException.class, () -> ProcessGroup.connect(
                    new Rendezvous("127.0.0.1", store.port(), 0, 2, 0, DistBackend.GLOO, Device.CPU, timeout,
                            true)));
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s < SILENCE_CAP.toSeconds(), "failed after " + s + " s with a timeout of "
                    + timeout.toSeconds() + " s");
            assertTrue(e.getMessage().startsWith("rank 0: the gloo process group of 2 ranks did not form"),
                    e.getMessage());
        }
    }

    @Test
    void aPortInUseIsOneClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            DistributedException e = assertThrows(DistributedException.class, () -> ProcessGroup.connect(
                    new Rendezvous("127.0.0.1", taken.getLocalPort(), 0, 2, 0, DistBackend.GLOO, Device.CPU,
                            Duration.ofSeconds(3), false)));
            assertEquals("rank 0: port " + taken.getLocalPort() + " is in use (MASTER_PORT); choose another",
                    e.getMessage());
        }
    }

    static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && !(c instanceof DistributedException)
                && !(c instanceof IllegalStateException)) {
            c = c.getCause();
        }
        return String.valueOf(c.getMessage());
    }

    /**
     * Two ranks end with the same weights, within float rounding of the one rank's ({@code one}), and training moved
     * them from {@code initial}.
     */
    private static void assertRanksAgree(float[][] initial, float[][] one, List<float[][]> ranks) {
        assertClose(one, ranks.get(0), 1e-5);
        assertClose(ranks.get(0), ranks.get(1), 0.0);
        boolean moved = false;
        for (int i = 0; i < one.length; i++) {
            moved |= !java.util.Arrays.equals(initial[i], one[i]);
        }
        assertTrue(moved, "training moved the weights");
    }
}
