package org.visualrft.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.ForwardingPolicy;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.RowSoftmax;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

class TinyVlmTest {

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The entropies of a group's teacher-forced forward (prefix shared, completions batched, with autograd as the
     * trainer runs it) equal -Σ p log p computed in float64 from each completion's own full-sequence logits.
     */
    @Test
    void groupEntropiesEqualFloat64EntropiesOfTheFullSequenceLogits(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 5, DType.F32)) {
            Prompt p = TinyFixtures.prompt(3);
            int prefix = m.config().imageTokens() + m.promptTokens(p.text()).length;
            int v = m.config().vocabSize();
            List<int[]> group = new ArrayList<>();
            for (Rollout r : m.generate(p, 4, new SamplingParams(1.0, 0, 1.0, 9), new SplittableRandom(8))) {
                group.add(r.tokens());
            }
            group.add(new int[] {7}); // lengths differ: padding in every shorter row
            try (NativeScope s = NativeScope.open()) {
                GroupLogProbs lp = m.logProbs(p, group);
                assertTrue(lp.logProbs().requiresGrad(), "the training forward");
                float[] h = lp.entropies().toFloats();
                int width = (int) lp.mask().size(1);
                double spread = 0;
                for (int i = 0; i < group.size(); i++) {
                    int[] c = group.get(i);
                    float[] full = m.fullLogits(p, c);
                    for (int t = 0; t < width; t++) {
                        double want = 0;
                        if (t < c.length) {
                            double[] lsm = RowSoftmax.logSoftmax(full, prefix - 1 + t, v);
                            for (double l : lsm) {
                                want -= Math.exp(l) * l;
                            }
                        }
                        assertEquals(want, h[i * width + t], 1e-5 * Math.max(1, want), "row " + i + " token " + t);
                        spread = Math.max(spread, Math.abs(want - h[0]));
                    }
                }
                assertTrue(spread > 1e-3, "the positions' entropies differ: " + spread);
            }
        }
    }

    @Test
    void cachedDecodingEqualsFullRecomputationTokenByToken(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 11, DType.F64)) {
            Prompt p = TinyFixtures.prompt(1);
            int prefix = m.config().imageTokens() + m.promptTokens(p.text()).length;
            int v = m.config().vocabSize();
            for (Rollout r : m.generate(p, 3, new SamplingParams(1.0, 0, 1.0, 12), new SplittableRandom(4))) {
                int[] c = r.tokens();
                float[] full = m.fullLogits(p, c); // [prefix + len, V], no cache
                for (int t = 0; t < c.length; t++) {
                    double[] lp = RowSoftmax.logSoftmax(full, prefix - 1 + t, v);
                    assertEquals(lp[c[t]], r.logProbs()[t], 1e-6, "token " + t);
                }
            }
            Rollout greedy = m.generate(p, 2, SamplingParams.greedy(12), new SplittableRandom(0)).get(1);
            int[] g = greedy.tokens();
            float[] full = m.fullLogits(p, g);
            for (int t = 0; t < g.length; t++) {
                assertEquals(argmax(RowSoftmax.logSoftmax(full, prefix - 1 + t, v)), g[t], "greedy token " + t);
            }
        }
    }

    @Test
    void topKOneEqualsGreedyAndSeededSamplingRepeats(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 3, DType.F32)) {
            Prompt p = TinyFixtures.prompt(2);
            List<Rollout> greedy = m.generate(p, 4, SamplingParams.greedy(10), new SplittableRandom(1));
            List<Rollout> top1 = m.generate(p, 4, new SamplingParams(1.7, 1, 1.0, 10), new SplittableRandom(2));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(greedy.get(0).tokens(), greedy.get(i).tokens());
                assertArrayEquals(greedy.get(i).tokens(), top1.get(i).tokens());
            }
            SamplingParams s = new SamplingParams(1.0, 50, 0.95, 10);
            List<Rollout> a = m.generate(p, 4, s, new SplittableRandom(42));
            List<Rollout> b = m.generate(p, 4, s, new SplittableRandom(42));
            List<Rollout> c = m.generate(p, 4, s, new SplittableRandom(43));
            boolean differs = false;
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                assertArrayEquals(a.get(i).logProbs(), b.get(i).logProbs());
                assertEquals(a.get(i).text(), b.get(i).text());
                differs |= !java.util.Arrays.equals(a.get(i).tokens(), c.get(i).tokens());
            }
            assertTrue(differs, "another seed gives other samples");
        }
    }

    @Test
    void samplingTimeLogProbsEqualTeacherForcedOnes(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 5, DType.F32); NativeScope s = NativeScope.open()) {
            Prompt p = TinyFixtures.prompt(3);
            List<Rollout> rs = m.generate(p, 5, new SamplingParams(1.0, 0, 1.0, 9), new SplittableRandom(8));
            List<int[]> comps = new ArrayList<>();
            rs.forEach(r -> comps.add(r.tokens()));
            comps.set(1, java.util.Arrays.copyOf(comps.get(1), 4)); // ragged lengths exercise the padding
            GroupLogProbs lp = m.logProbs(p, comps);
            assertTrue(lp.logProbs().requiresGrad());
            int tmax = (int) lp.logProbs().size(1);
            float[] got = lp.logProbs().toFloats();
            float[] mask = lp.mask().toFloats();
            for (int i = 0; i < comps.size(); i++) {
                for (int t = 0; t < tmax; t++) {
                    boolean real = t < comps.get(i).length;
                    assertEquals(real ? 1f : 0f, mask[i * tmax + t]);
                    assertEquals(real ? rs.get(i).logProbs()[t] : 0f, got[i * tmax + t], 2e-4, i + "," + t);
                }
            }
        }
    }

    @Test
    void batchOfDifferentPromptsEqualsOnePromptAtATime(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 17, DType.F64); NativeScope s = NativeScope.open()) {
            Prompt a = TinyFixtures.prompt(7);
            Prompt b = new Prompt(TinyFixtures.prompt(8).image(), "Detect all objects belonging to the category Shirt");
            List<int[]> comps = List.of(new int[] {30, 31, 32, 2}, new int[] {44, 2});
            GroupLogProbs batch = m.logProbs(List.of(a, b), comps);
            double[] got = batch.logProbs().toDoubles();
            assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 0, 0}, batch.mask().toDoubles());
            double[] one = m.logProbs(a, List.of(comps.get(0))).logProbs().toDoubles();
            double[] two = m.logProbs(b, List.of(comps.get(1))).logProbs().toDoubles();
            assertArrayEquals(one, Arrays.copyOfRange(got, 0, 4), 1e-12);
            assertArrayEquals(two, Arrays.copyOfRange(got, 4, 6), 1e-12);
            assertArrayEquals(new double[] {0, 0}, Arrays.copyOfRange(got, 6, 8), 0.0);
        }
    }

    /** The interface's default batched logProbs (what a model without its own batching gets) agrees too. */
    @Test
    void defaultBatchedLogProbsEqualTheModelsOwn(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 19, DType.F64); NativeScope s = NativeScope.open()) {
            Policy plain = new ForwardingPolicy(m); // the interface's default batched logProbs
            List<Prompt> prompts = List.of(TinyFixtures.prompt(10), TinyFixtures.prompt(11));
            List<int[]> comps = List.of(new int[] {12}, new int[] {13, 14, 2});
            GroupLogProbs a = plain.logProbs(prompts, comps);
            GroupLogProbs b = m.logProbs(prompts, comps);
            assertArrayEquals(b.mask().toDoubles(), a.mask().toDoubles(), 0.0);
            assertArrayEquals(b.logProbs().toDoubles(), a.logProbs().toDoubles(), 1e-12);
        }
    }

    /**
     * Whole-model gradient check in float64: the analytic gradient of a weighted sum of group log-probabilities with
     * respect to entries of every weight tensor matches central finite differences.
     */
    @Test
    void gradientMatchesFiniteDifferencesInFloat64(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 7, DType.F64); NativeScope s = NativeScope.open()) {
            // larger weights than the 0.02 init, so every path carries signal
            try (Tensor.GradMode g = Tensor.noGrad()) {
                for (Parameter par : m.parameters()) {
                    if (!par.name().endsWith("norm.weight") && !par.name().contains("layernorm")
                            && !par.name().contains("norm1") && !par.name().contains("norm2")) {
                        par.value().mul_(10);
                    }
                }
            }
            Prompt p = TinyFixtures.prompt(4);
            List<int[]> comps = List.of(new int[] {40, 7, 300, 2}, new int[] {9, 1000 % m.config().vocabSize()});
            Tensor weights = Tensor.fromDoubles(new double[] {0.3, -1.1, 0.7, 0.5, 1.3, -0.4, 0, 0}, 2, 4);
            java.util.function.Supplier<Tensor> loss = () -> {
                GroupLogProbs lp = m.logProbs(p, comps);
                return lp.logProbs().mul(weights.narrow(1, 0, lp.logProbs().size(1))).sum();
            };
            loss.get().backward();
            SplittableRandom pick = new SplittableRandom(1);
            int checked = 0;
            int significant = 0;
            for (Parameter par : m.parameters()) {
                Tensor w = par.value();
                double[] grad = w.grad().toDoubles();
                for (int k = 0; k < 2; k++) {
                    int idx = pick.nextInt((int) w.numel());
                    if (par.name().equals("model.embed_tokens.weight")) {
                        idx = 40 * m.config().hidden() + k; // a row that is used (tied: input and output)
                    }
                    double eps = 1e-6;
                    double up;
                    double down;
                    try (Tensor.GradMode g = Tensor.noGrad()) {
                        Tensor cell = w.view(-1).narrow(0, idx, 1);
                        cell.add_(eps);
                        up = loss.get().item();
                        cell.add_(-2 * eps);
                        down = loss.get().item();
                        cell.add_(eps);
                    }
                    double numeric = (up - down) / (2 * eps);
                    assertEquals(numeric, grad[idx], 1e-6 + 1e-5 * Math.abs(numeric), par.name() + "[" + idx + "]");
                    checked++;
                    significant += Math.abs(numeric) > 1e-4 ? 1 : 0;
                }
            }
            assertTrue(checked > 30);
            assertTrue(significant > checked / 2, significant + " of " + checked + " gradients are not tiny");
        }
    }

    /** Teacher-forced training through logProbs works end to end: a few SGD steps make greedy decoding say the target. */
    @Test
    void learnsToAnswerOneExampleBySupervisedSteps(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 21, DType.F32)) {
            Prompt p = TinyFixtures.prompt(9);
            int[] body = m.encode("<answer>Shirt</answer>");
            int[] target = java.util.Arrays.copyOf(body, body.length + 1);
            target[body.length] = m.eosTokenId();
            assertEquals(m.eosTokenId(), target[target.length - 1]);
            double first = 0;
            double last = 0;
            for (int step = 0; step < 200; step++) {
                try (NativeScope s = NativeScope.open()) {
                    GroupLogProbs lp = m.logProbs(List.of(p), List.of(target));
                    Tensor loss = lp.logProbs().sum().neg().div(target.length);
                    loss.backward();
                    if (step == 0) {
                        first = loss.item();
                    }
                    last = loss.item();
                    try (Tensor.GradMode g = Tensor.noGrad()) {
                        for (Parameter par : m.trainableParameters()) {
                            par.value().add_(par.value().grad(), -0.5);
                            par.value().zeroGrad();
                        }
                    }
                }
            }
            assertTrue(last < 0.1 * first, "loss " + first + " -> " + last);
            Rollout r = m.generate(p, 1, SamplingParams.greedy(10), new SplittableRandom(0)).get(0);
            assertArrayEquals(target, r.tokens());
            assertEquals("<answer>Shirt</answer>", r.text());
            assertTrue(r.endedWithEos());
        }
    }

    @Test
    void saveAndLoadGiveTheSameModel(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("saved");
        Prompt p = TinyFixtures.prompt(5);
        float[] before;
        try (TinyVlm m = TinyFixtures.model(dir, 9, DType.F32)) {
            before = m.fullLogits(p, new int[] {10, 11});
            m.save(out);
        }
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        try (Policy loaded = ModelLoader.load(out)) {
            assertEquals("vrft-tiny", loaded.modelType());
            assertArrayEquals(before, ((TinyVlm) loaded).fullLogits(p, new int[] {10, 11}));
        }
    }

    /**
     * freeze_vision_modules: true on the built-in model leaves its encoder and projector out of training: they take no
     * gradient and are not trained parameters, while the language model's gradients are those of the model with every
     * weight trained (the encoder's output does not depend on whether its weights need gradients).
     */
    @Test
    void freezingTheVisionEncoderLeavesItAndItsProjectorOutOfTraining(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("saved");
        try (TinyVlm m = TinyFixtures.model(dir, 9, DType.F32)) {
            m.save(out);
        }
        Prompt p = TinyFixtures.prompt(5);
        List<int[]> comps = List.of(new int[] {10, 11, 12});
        org.visualrft.model.policy.LoadOptions options = org.visualrft.model.policy.LoadOptions.on(
                org.visualrft.model.tensor.Device.CPU);
        try (Policy all = ModelLoader.load(out, options.withFreezeVision(false));
                Policy frozen = ModelLoader.load(out, options.withFreezeVision(true))) {
            java.util.Set<String> names = new java.util.HashSet<>();
            frozen.trainableParameters().forEach(q -> names.add(q.name()));
            assertTrue(names.stream().noneMatch(n -> n.startsWith("vision.") || n.startsWith("projector.")), names
                    .toString());
            assertTrue(names.contains("model.embed_tokens.weight"));
            assertEquals(all.trainableParameters().size(), names.size() + all.trainableParameters().stream()
                    .filter(q -> q.name().startsWith("vision.") || q.name().startsWith("projector.")).count());
            for (Policy q : List.of(all, frozen)) {
                try (NativeScope s = NativeScope.open()) {
                    org.visualrft.model.policy.GroupLogProbs lp = q.logProbs(p, comps);
                    lp.logProbs().mul(lp.mask()).sum().backward();
                }
            }
            for (int i = 0; i < all.parameters().size(); i++) {
                String n = all.parameters().get(i).name();
                Tensor g = frozen.parameters().get(i).value().grad();
                if (n.startsWith("vision.") || n.startsWith("projector.")) {
                    assertTrue(g == null, n + " takes no gradient");
                    assertTrue(all.parameters().get(i).value().grad() != null, n + " trains by default");
                } else {
                    assertArrayEquals(all.parameters().get(i).value().grad().toFloats(), g.toFloats(), n);
                }
            }
        }
    }

    @Test
    void frozenCopyIsIndependentAndUntrainable(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 13, DType.F32); NativeScope s = NativeScope.open()) {
            Prompt p = TinyFixtures.prompt(6);
            List<int[]> comps = List.of(new int[] {5, 6, 7});
            try (TinyVlm ref = m.frozenCopy()) {
                assertTrue(ref.trainableParameters().isEmpty());
                assertEquals(m.parameters().size(), m.trainableParameters().size());
                float[] a = m.logProbs(p, comps).logProbs().toFloats();
                GroupLogProbs r = ref.logProbs(p, comps);
                assertTrue(!r.logProbs().requiresGrad());
                assertArrayEquals(a, r.logProbs().toFloats(), 1e-6f);
                // Seeded noise on every live weight: a constant shift can be an exact invariance (a LayerNorm after
                // the shifted weight removes it), noise cannot, so the live model must move far beyond rounding.
                try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(7)) {
                    for (Parameter par : m.parameters()) {
                        Tensor w = par.value();
                        w.add_(Tensor.randn(gen, w.dtype(), w.shape()), 0.5);
                    }
                }
                float[] moved = m.logProbs(p, comps).logProbs().toFloats();
                double change = 0;
                for (int i = 0; i < a.length; i++) {
                    change = Math.max(change, Math.abs(moved[i] - a[i]));
                }
                assertTrue(change > 1e-2, "the live model's log-probs moved by only " + change);
                assertArrayEquals(a, ref.logProbs(p, comps).logProbs().toFloats(), 1e-6f);
            }
        }
    }

    @Test
    void badModelFoldersAreRefusedWithFileAndFault(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m");
        try (TinyVlm m = TinyFixtures.model(dir, 1, DType.F32)) {
            m.save(out);
        }
        Path config = out.resolve("config.json");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"hidden_size\" : 16", "\"hidden_size\" : 32"));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(out));
        assertEquals(out.resolve("model.safetensors").toString(), e.source());
        assertTrue(e.fault().contains("shape"), e.fault());
        Files.writeString(config, good.replace("\"hidden_size\" : 16", "\"hidden_size\" : 15"));
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(out));
        assertEquals(config.toString(), e.source());
        Files.writeString(config, good.replace("\"rope_theta\"", "\"rope_thetta\""));
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(out));
        assertTrue(e.fault().contains("unknown config keys"), e.fault());
        Files.writeString(config, good.replace("vrft-tiny", "gpt-17"));
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(out));
        assertTrue(e.fault().contains("unknown model_type"), e.fault());
    }

    /** The built-in model (a few megabytes) has no activation checkpointing: asking for it is one line. */
    @Test
    void refusesGradientCheckpointing(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 1, DType.F32)) {
            m.gradientCheckpointing(false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.gradientCheckpointing(true));
            assertTrue(e.getMessage().startsWith("gradient_checkpointing: model_type "), e.getMessage());
        }
    }
}
