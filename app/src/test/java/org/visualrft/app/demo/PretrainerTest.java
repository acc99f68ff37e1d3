package org.visualrft.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

class PretrainerTest {
    static PretrainConfig config(Path out, int steps) {
        return new PretrainConfig(out, 3, steps, 1, 0, 1, 2, 1, 1e-3, 1, 0.5, steps, 2, 1);
    }

    @Test
    void scheduleWarmsUpHoldsAndDecaysToTenPercent() {
        PretrainConfig c = new PretrainConfig(Path.of("x"), 1, 100, 20, 0, 1, 1, 1, 1e-3, 10, 0.8, 10, 4, 1);
        assertTrue(c.lrAt(0) < c.lrAt(5) && c.lrAt(5) < 1e-3);
        assertEquals(1e-3, c.lrAt(50), 1e-12);
        assertEquals(1e-3, c.lrAt(79), 1e-12);
        assertTrue(c.lrAt(90) < 1e-3);
        assertEquals(1e-4, c.lrAt(99), 1e-12);
    }

    /**
     * --minutes fixes the run's length when 85% of the budget has passed: before the decay phase it ends the run early
     * with a decay of its own; later it changes nothing (no step past --steps, no rate raised back towards the peak).
     */
    @Test
    void aTimeBudgetOnlyShortensTheRunAndNeverRaisesTheRate() {
        PretrainConfig c = new PretrainConfig(Path.of("x"), 1, 1000, 300, 10, 1, 1, 1, 1e-3, 10, 0.8, 100, 4, 1);
        PretrainConfig early = c.budgetReached(340); // 15/85 of 340 = 60 decay steps
        assertEquals(400, early.steps());
        assertEquals(60, early.decaySteps());
        assertEquals(0, early.maxMinutes());
        assertEquals(c.lrAt(339), early.lrAt(339), 0.0);
        assertEquals(1e-4, early.lrAt(399), 1e-12);
        PretrainConfig shortDecay = new PretrainConfig(Path.of("x"), 1, 1000, 50, 10, 1, 1, 1, 1e-3, 10, 0.8, 100, 4,
                1);
        // in the decay phase (c: steps 700 to 999), or just before it with a decay that would end past --steps
        // (shortDecay at 940: 166 more steps)
        int[][] cases = {{700, 0}, {800, 0}, {990, 0}, {940, 1}};
        for (int[] k : cases) {
            PretrainConfig run = k[1] == 0 ? c : shortDecay;
            int done = k[0];
            PretrainConfig late = run.budgetReached(done);
            assertEquals(1000, late.steps(), "after step " + done);
            assertEquals(run.decaySteps(), late.decaySteps(), "after step " + done);
            assertEquals(0, late.maxMinutes());
            for (int s = done; s < 1000; s++) {
                assertEquals(run.lrAt(s), late.lrAt(s), 0.0, "rate of step " + s + " after the budget at " + done);
            }
        }
    }

    @Test
    void aShortRunWritesALoadableModelFolderAndItsMetrics(@TempDir Path out) throws Exception {
        new Pretrainer(config(out, 3), new PrintStream(OutputStream.nullOutputStream())).run();
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "pretrain-metrics.jsonl")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> lines = Files.readAllLines(out.resolve("pretrain-metrics.jsonl"));
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).contains("\"cls_hard_acc\""), "the last step carries the monitoring scores");
        try (var policy = org.visualrft.model.policy.ModelLoader.load(out)) {
            assertEquals("vrft-tiny", policy.modelType());
        }
    }

    @Test
    void sameSeedSameWeights(@TempDir Path a, @TempDir Path b) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new Pretrainer(config(a, 2), quiet).run();
        new Pretrainer(config(b, 2), quiet).run();
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(b.resolve("model.safetensors"))));
    }

    @Test
    void badSettingsAreBadInput() {
        assertThrows(BadInputException.class,
                () -> new PretrainConfig(Path.of("x"), 1, 10, 20, 0, 1, 1, 1, 1e-3, 1, 0.5, 1, 1, 1));
        assertThrows(BadInputException.class,
                () -> new PretrainConfig(Path.of("x"), 1, 10, 0, 0, 0, 0, 0, 1e-3, 1, 0.5, 1, 1, 1));
        // NaN passes every comparison: a NaN share would silently mean no thinking, an infinite rate a run that
        // skips every step as non-finite
        BadInputException e = assertThrows(BadInputException.class,
                () -> new PretrainConfig(Path.of("x"), 1, 10, 0, 0, 1, 1, 1, 1e-3, 1, Double.NaN, 1, 1, 1));
        assertTrue(e.getMessage().contains("--cot-share"), e.getMessage());
        for (double lr : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0}) {
            e = assertThrows(BadInputException.class,
                    () -> new PretrainConfig(Path.of("x"), 1, 10, 0, 0, 1, 1, 1, lr, 1, 0.5, 1, 1, 1));
            assertTrue(e.getMessage().contains("--lr"), e.getMessage());
        }
        e = assertThrows(BadInputException.class,
                () -> new PretrainConfig(Path.of("x"), 1, 10, 0, Double.NaN, 1, 1, 1, 1e-3, 1, 0.5, 1, 1, 1));
        assertTrue(e.getMessage().contains("--minutes"), e.getMessage());
        e = assertThrows(BadInputException.class,
                () -> new PretrainConfig(Path.of("x"), 1, 10, 20, 0, 1, 1, 1, 1e-3, 1, 0.5, 1, 1, 1));
        assertTrue(e.getMessage().contains("--decay-steps"), e.getMessage());
    }

    @Test
    void tokenizerKeepsQuestionsShort() {
        try (var tok = WorldTokenizer.create()) {
            org.visualrft.core.world.WorldSampler w =
                    org.visualrft.core.world.WorldSampler.shipped(org.visualrft.core.world.FashionSplit.TRAIN);
            var rng = new java.util.SplittableRandom(1);
            for (var kind : org.visualrft.core.world.TaskKind.values()) {
                var s = w.pretraining(kind, "t", rng);
                assertTrue(tok.encode(org.visualrft.core.world.WorldText.problem(s, true)).length <= 6, kind.name());
                String completion = org.visualrft.core.world.WorldText.completion(s, true);
                assertEquals(completion, tok.decode(tok.encode(completion), true));
            }
        }
    }

    @Test
    void batchedLossEqualsTheSumOfPerExampleLosses() {
        try (var tok = WorldTokenizer.create();
                var model = org.visualrft.model.tiny.TinyVlm.create(
                        org.visualrft.model.tiny.TinyConfig.defaults(tok.vocabSize()), tok, 5)) {
            var w = org.visualrft.core.world.WorldSampler.shipped(org.visualrft.core.world.FashionSplit.TRAIN);
            var rng = new java.util.SplittableRandom(2);
            List<org.visualrft.core.world.WorldSample> batch = new java.util.ArrayList<>();
            for (var kind : org.visualrft.core.world.TaskKind.values()) {
                batch.add(w.pretraining(kind, "a-" + kind, rng));
                batch.add(w.pretraining(kind, "b-" + kind, rng));
            }
            boolean[] cot = {true, false, true, true, false, true};
            double tokens = 0;
            double expected = 0;
            for (int i = 0; i < batch.size(); i++) {
                int[] t = WorldPrompts.target(model, batch.get(i), cot[i]);
                tokens += t.length;
                try (var scope = org.visualrft.model.tensor.NativeScope.open();
                        var mode = org.visualrft.model.tensor.Tensor.noGrad()) {
                    expected -= model.logProbs(WorldPrompts.prompt(batch.get(i), cot[i]), List.of(t)).logProbs()
                            .sum().item();
                }
            }
            expected /= tokens;
            double got = Pretrainer.sftLoss(model, batch, cot);
            assertEquals(expected, got, 1e-5 * Math.abs(expected));
            assertTrue(got > 0);
        }
    }
}
