package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The static-cache rollout engine on the CPU (the same code runs on CUDA, there replayed as a graph): greedy tokens equal
 * transformers' for every fixture case, and equal the dynamic-cache decoder's; sampling repeats by seed.
 */
class StaticDecoderTest {
    static Qwen2VL model;

    @BeforeAll
    static void load() {
        model = Qwen2VL.load(Fixture.DIR, DType.F32);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cases() {
        return (Map<String, Object>) Fixture.json().raw().get("cases");
    }

    @SuppressWarnings("unchecked")
    @Test
    void greedyTokensEqualTransformersForEveryCase() {
        int checked = 0;
        for (String name : cases().keySet()) {
            Map<String, Object> c = Fixture.caseOf(name);
            Map<String, Object> gen = (Map<String, Object>) c.get("generate");
            if (gen == null) {
                continue;
            }
            int[] want = Fixture.ints(gen.get("generated_ids"));
            try (NativeScope s = NativeScope.open()) {
                List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
                Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
                List<DecodeLoop.Sample> got = StaticDecoder.sample(model, Fixture.ints(c.get("input_ids")),
                        RopeIndexTest.grids(c), embeds, 3, SamplingParams.greedy(want.length), new int[0], null, true, false);
                assertEquals(3, got.size());
                for (DecodeLoop.Sample smp : got) {
                    assertArrayEquals(want, smp.tokens(), name + " greedy ids");
                    assertEquals(want.length, smp.logProbs().length);
                    for (float lp : smp.logProbs()) {
                        assertTrue(lp <= 0 && Float.isFinite(lp), name + " log-prob " + lp);
                    }
                }
            }
            checked++;
        }
        assertTrue(checked > 0, "no fixture case has a greedy generation");
    }

    /**
     * Greedy decoding with a repetition penalty: the static engine (its history in a device buffer) gives the Java
     * decode loop's tokens (its history in {@code TokenHistory}), and the penalty changes them.
     */
    @Test
    void greedyWithRepetitionPenaltyEqualsTheJavaLoop() {
        Map<String, Object> c = Fixture.caseOf(cases().keySet().iterator().next());
        int[] prompt = Fixture.ints(c.get("input_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
            Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            SamplingParams p = new SamplingParams(0.0, 0, 1.0, 16, 2.0, 0.0);
            List<DecodeLoop.Sample> onDevice = StaticDecoder.sample(model, prompt, RopeIndexTest.grids(c), embeds, 2,
                    p, new int[0], null, true, false);
            List<DecodeLoop.Sample> loop = Generation.sample(model, prompt, RopeIndexTest.grids(c), embeds, 2, p,
                    new int[0], null, null, true);
            List<DecodeLoop.Sample> plain = Generation.sample(model, prompt, RopeIndexTest.grids(c), embeds, 1,
                    SamplingParams.greedy(16), new int[0], null, null, true);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(loop.get(i).tokens(), onDevice.get(i).tokens(), "row " + i);
                assertArrayEquals(loop.get(i).logProbs(), onDevice.get(i).logProbs(), 1e-4f, "row " + i);
            }
            assertTrue(!java.util.Arrays.equals(plain.get(0).tokens(), loop.get(0).tokens()),
                    "the penalty changed nothing");
        }
    }

    @Test
    void samplingRepeatsBySeedAndStopsAtEos() {
        Map<String, Object> c = Fixture.caseOf(cases().keySet().iterator().next());
        int[] prompt = Fixture.ints(c.get("input_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
            Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            SamplingParams p = new SamplingParams(1.0, 50, 0.95, 12);
            List<DecodeLoop.Sample> a = StaticDecoder.sample(model, prompt, RopeIndexTest.grids(c), embeds, 4, p,
                    new int[0], new SplittableRandom(7), true, false);
            List<DecodeLoop.Sample> b = StaticDecoder.sample(model, prompt, RopeIndexTest.grids(c), embeds, 4, p,
                    new int[0], new SplittableRandom(7), true, false);
            List<DecodeLoop.Sample> other = StaticDecoder.sample(model, prompt, RopeIndexTest.grids(c), embeds, 4, p,
                    new int[0], new SplittableRandom(8), true, false);
            boolean differs = false;
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                assertArrayEquals(a.get(i).logProbs(), b.get(i).logProbs());
                differs |= !java.util.Arrays.equals(a.get(i).tokens(), other.get(i).tokens());
            }
            assertTrue(differs, "another seed gave the same 4 × 12 tokens");
            // a stop token: the first sampled token of row 0 ends that row at once, with the stop token kept
            int stop = a.get(0).tokens()[0];
            List<DecodeLoop.Sample> stopped = StaticDecoder.sample(model, prompt, RopeIndexTest.grids(c), embeds, 4, p,
                    new int[] {stop}, new SplittableRandom(7), true, false);
            assertArrayEquals(new int[] {stop}, stopped.get(0).tokens());
            assertTrue(stopped.get(0).endedWithEos());
            for (int i = 1; i < 4; i++) {
                int[] full = a.get(i).tokens();
                int cut = 0;
                while (cut < full.length && full[cut] != stop) {
                    cut++;
                }
                int[] want = java.util.Arrays.copyOf(full, Math.min(full.length, cut + 1));
                assertArrayEquals(want, stopped.get(i).tokens(), "row " + i + " stops at its first stop token");
            }
            assertNotEquals(0, a.get(1).tokens().length);
        }
    }
}
