package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.ForwardingPolicy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.WeightsAssert;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.data.TrainingExample;

/** {@code rollout_batch_groups}: a round's prompts sampled in chunks, one batched decode per chunk. */
class BatchedRolloutsTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
    static final IntFunction<RandomGenerator> SEEDS = i -> new SplittableRandom(1000 + i);

    /** TinyTask's examples with every third prompt shorter, so a chunk's prompts differ in length. */
    static List<TrainingExample> mixed(int n, long seed) {
        List<TrainingExample> out = new ArrayList<>();
        for (TrainingExample ex : TinyTask.examples(n, seed)) {
            out.add(out.size() % 3 != 1 ? ex : new TrainingExample(ex.id(),
                    new Prompt(ex.prompt().image(), "What is this item ?"), ex.reward(), ex.thinking()));
        }
        return out;
    }

    static GrpoConfig cfg(int batchGroups, String extra) {
        return GrpoConfig.parse("t", "num_generations: 4\nmax_completion_length: 12\nrollout_batch_groups: "
                + batchGroups + "\n" + extra);
    }

    /** The model, recording how many prompts each sampling call took. */
    static final class Recording extends ForwardingPolicy {
        private final TinyVlm model;
        private final List<Integer> calls;

        Recording(TinyVlm model, List<Integer> calls) {
            super(model);
            this.model = model;
            this.calls = calls;
        }

        @Override
        public List<Rollout> generate(Prompt p, int g, SamplingParams sp, RandomGenerator r) {
            calls.add(1);
            return model.generate(p, g, sp, r);
        }

        @Override
        public List<Rollout> generate(Prompt p, int g, SamplingParams sp, RandomGenerator r, VisionCache images) {
            calls.add(1);
            return model.generate(p, g, sp, r, images);
        }

        @Override
        public List<List<Rollout>> generateGroups(List<Prompt> ps, int g, SamplingParams sp,
                List<? extends RandomGenerator> r, VisionCache images) {
            calls.add(ps.size());
            return model.generateGroups(ps, g, sp, r, images);
        }
    }

    /** One rank of a larger world whose exchange adds nothing from the others: what a rank samples on its own. */
    record LoneRank(int rank, int worldSize) implements ProcessGroup {
        public void allreduceGradients(List<Tensor> params) { throw new UnsupportedOperationException(); }
        public double[] allreduceSum(double[] values) { return values; }
        public double[] allreduceMax(double[] values) { return values; }
        public void broadcast(List<Tensor> tensors, int root) { throw new UnsupportedOperationException(); }
        public void barrier() { }
        public void close() { }
    }

    static void assertSameGroup(ScoredGroup a, ScoredGroup b, String where) {
        assertEquals(a.example().id(), b.example().id(), where);
        for (int j = 0; j < a.rollouts().size(); j++) {
            assertArrayEquals(a.rollouts().get(j).tokens(), b.rollouts().get(j).tokens(), where + " row " + j);
            assertArrayEquals(a.rollouts().get(j).logProbs(), b.rollouts().get(j).logProbs(), 1e-6f,
                    where + " row " + j);
        }
        assertArrayEquals(a.advantages(), b.advantages(), 1e-9, where);
    }

    @Test
    void chunksOfConsecutivePromptsGoToTheRanksInTurn(@TempDir Path dir) {
        List<TrainingExample> data = mixed(8, 1);
        RolloutCollector c = new RolloutCollector(cfg(3, ""), data, DynamicSamplingTest.halfFlat(false));
        try (TinyVlm m = TinyTask.model(dir, 3)) {
            List<Integer> calls = new ArrayList<>();
            RolloutCollector.Batch whole = c.collect(new Recording(m, calls), 8, new DataOrder(8, 1),
                    ProcessGroup.single(), SEEDS, g -> { }, null);
            assertEquals(List.of(3, 3, 2), calls, "8 prompts in chunks of 3");
            int[][] held = {{0, 1, 2, 6, 7}, {3, 4, 5}};
            for (int rank = 0; rank < 2; rank++) {
                calls.clear();
                RolloutCollector.Batch mine = c.collect(new Recording(m, calls), 8, new DataOrder(8, 1),
                        new LoneRank(rank, 2), SEEDS, g -> { }, null);
                assertEquals(rank == 0 ? List.of(3, 2) : List.of(3), calls, "chunk j on rank j mod 2");
                List<Integer> own = new ArrayList<>();
                for (int p = 0; p < 8; p++) {
                    if (mine.groups().get(p) == null) {
                        continue;
                    }
                    own.add(p);
                    // the same chunks on any number of ranks: the same samples, to the bit
                    assertSameGroup(whole.groups().get(p), mine.groups().get(p), "prompt " + p);
                    assertArrayEquals(whole.groups().get(p).rollouts().get(0).logProbs(),
                            mine.groups().get(p).rollouts().get(0).logProbs(), 0f);
                }
                assertEquals(java.util.Arrays.stream(held[rank]).boxed().toList(), own);
            }
        }
    }

    /** Dynamic sampling's refill rounds chunk their own prompts; the groups are those of one prompt at a time. */
    @Test
    void batchedChunksSampleWhatOnePromptAtATimeSamples(@TempDir Path dir) {
        List<TrainingExample> data = mixed(12, 2);
        String dyn = "dynamic_sampling: true\nmax_dynamic_sampling_rounds: 3\n";
        try (TinyVlm m = TinyTask.model(dir, 3, DType.F64)) {
            List<Integer> calls = new ArrayList<>();
            Rewarder rewarder = DynamicSamplingTest.halfFlat(false);
            RolloutCollector.Batch batched = new RolloutCollector(cfg(3, dyn), data, rewarder).collect(
                    new Recording(m, calls), 5, new DataOrder(12, 4), ProcessGroup.single(), SEEDS, g -> { }, null);
            RolloutCollector.Batch single = new RolloutCollector(cfg(1, dyn), data, rewarder).collect(
                    m, 5, new DataOrder(12, 4), ProcessGroup.single(), SEEDS, g -> { }, null);
            assertTrue(batched.promptsSampled() > 5, "a refill round ran: " + batched);
            assertTrue(calls.size() > 2 && calls.contains(3), "chunks of 3 and the rounds' remainders: " + calls);
            assertEquals(batched.promptsSampled(), calls.stream().mapToInt(Integer::intValue).sum());
            assertEquals(single.promptsSampled(), batched.promptsSampled());
            assertEquals(single.flatSampled(), batched.flatSampled());
            assertEquals(single.starved(), batched.starved());
            for (int i = 0; i < 5; i++) {
                assertSameGroup(single.groups().get(i), batched.groups().get(i), "kept group " + i);
            }
        }
    }

    static float[][] train(Path dir, String name, int batchGroups) throws Exception {
        GrpoConfig c = GrpoConfig.parse("t", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: 4
                max_completion_length: 10
                learning_rate: 3.0e-3
                max_steps: 3
                save_steps: 100
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 5
                rollout_batch_groups: %d
                """.formatted(dir.resolve(name), batchGroups));
        try (TinyVlm m = TinyTask.model(dir.resolve("m-" + name), 3)) {
            new GrpoTrainer(c, mixed(8, 3), GrpoTrainerTest.rewarder(c), null, QUIET, false, ProcessGroup.single(),
                    RolloutSeeding.PER_PROMPT).run(m, false, -1);
            return GrpoTrainerTest.weights(m);
        }
    }

    @Test
    void grpoWithBatchedRolloutsRepeatsAndTrainsWhatOnePromptAtATimeTrains(@TempDir Path dir) throws Exception {
        float[][] a = train(dir, "a", 4);
        float[][] b = train(dir, "b", 4);
        float[][] one = train(dir, "one", 1);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], 0f, "parameter " + i + ": the same seed, the same run");
        }
        assertEquals(Files.readAllLines(dir.resolve("a/metrics.jsonl")).size(), 3);
        // one prompt at a time differs only by the float rounding of the batched decode's logits
        WeightsAssert.assertClose(one, a, 1e-5, 0, "batched against one prompt at a time");
    }

    @Test
    void aSharedSamplingStreamCannotBeBatched() {
        GrpoConfig c = cfg(2, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GrpoTrainer(c, mixed(4, 1), GrpoTrainerTest.rewarder(c), null, QUIET, false));
        assertTrue(e.getMessage().contains("rollout_batch_groups"), e.getMessage());
    }
}
