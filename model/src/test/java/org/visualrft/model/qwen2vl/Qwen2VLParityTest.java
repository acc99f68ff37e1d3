package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The Java Qwen2-VL against transformers' own run of the tiny fixture model (float32): vision intermediates, hidden
 * states, logits, log-probs and greedy KV-cache generation, with the fixture README's tolerances.
 */
class Qwen2VLParityTest {
    static Qwen2VL model;

    @BeforeAll
    static void load() {
        model = Qwen2VL.load(Fixture.DIR, DType.F32);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<ImageProcessor.Patches> images(Map<String, Object> c) {
        return imagesOf(model, c);
    }

    static List<ImageProcessor.Patches> imagesOf(Qwen2VL model, Map<String, Object> c) {
        List<ImageProcessor.Patches> out = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) c.get("images");
        if (names != null) {
            for (String n : names) {
                out.add(model.processor().process(RgbImage.read(Fixture.DIR.resolve(n + ".png"))));
            }
        }
        return out;
    }

    static void assertRel(String what, float[] got, Fixture.Array want) {
        double e = Fixture.relError(got, want.floats());
        assertTrue(e < 1e-4, what + ": max|Δ|/max|ref| = " + e);
    }

    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#visionCases")
    void visionIntermediatesMatch(String name) {
        try (NativeScope s = NativeScope.open()) {
            List<Tensor> trace = new ArrayList<>();
            Tensor embeds = model.encodeImages(images(Fixture.caseOf(name)), trace);
            assertRel("patch_embed", trace.get(0).toFloats(), Fixture.array(name + ".vision.patch_embed"));
            assertArrayEquals(Fixture.array(name + ".vision.rotary_pos_emb").floats(), trace.get(1).toFloats(), 1e-6f);
            assertRel("block0", trace.get(2).toFloats(), Fixture.array(name + ".vision.block0"));
            assertRel("block1", trace.get(3).toFloats(), Fixture.array(name + ".vision.block1"));
            assertRel("image_embeds", embeds.toFloats(), Fixture.array(name + ".vision.image_embeds"));
        }
    }

    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#cases")
    void hiddenStatesLogitsAndLogProbsMatch(String name) {
        Map<String, Object> c = Fixture.caseOf(name);
        int[] ids = Fixture.ints(c.get("input_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = images(c);
            Tensor imageEmbeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            RopeIndex.Positions pos = RopeIndex.compute(ids, RopeIndexTest.grids(c), model.config());
            List<Tensor> trace = new ArrayList<>();
            Tensor h = model.hidden(model.embed(new int[][] {ids}, imageEmbeds), new long[][][] {pos.ids()}, null, true, trace);
            for (int i = 0; i < 3; i++) {
                assertRel("hidden_states." + i, trace.get(i).toFloats(), Fixture.array(name + ".hidden_states." + i));
            }
            Tensor logits = model.logits(h).squeeze(0);
            assertRel("logits", logits.toFloats(), Fixture.array(name + ".logits"));
            double lp = Fixture.maxAbs(logits.logSoftmax(-1).toFloats(), Fixture.array(name + ".logprobs").floats());
            assertTrue(lp < 1e-4, "logprobs max|Δ| " + lp);
        }
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#cases")
    void greedyKvCacheGenerationMatches(String name) {
        Map<String, Object> c = Fixture.caseOf(name);
        Map<String, Object> gen = (Map<String, Object>) c.get("generate");
        int[] want = Fixture.ints(gen.get("generated_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = images(c);
            Tensor imageEmbeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            List<float[]> stepLogits = new ArrayList<>();
            int[] got = Generation.greedy(model, Fixture.ints(c.get("input_ids")), RopeIndexTest.grids(c), imageEmbeds,
                    want.length, -1, stepLogits);
            assertArrayEquals(want, got, name + " generated ids");
            float[] wantSteps = Fixture.array(name + ".generate.step_logits").floats();
            int v = model.config().vocabSize();
            for (int i = 0; i < want.length; i++) {
                float[] ref = java.util.Arrays.copyOfRange(wantSteps, i * v, (i + 1) * v);
                double e = Fixture.relError(stepLogits.get(i), ref);
                assertTrue(e < 1e-4, "step " + i + " logits rel error " + e);
            }
            assertEquals(want.length, stepLogits.size());
        }
    }
}
