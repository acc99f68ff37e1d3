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
