package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2.5-VL and Qwen3-VL against transformers' own runs of the tiny oracle models (float32), for every case each
 * fixture's expected.json lists: pixel values and M-RoPE ids exact, vision outputs (with DeepStack features), hidden
 * states, logits, next-token log-probs, and greedy KV-cache generation (ids equal, step logits close).
 */
class QwenVlParityTest {
    static final List<String> FIXTURES = List.of("qwen25vl-tiny", "qwen3vl-tiny");

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesTransformers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String f : FIXTURES) {
            try (Oracle o = new Oracle(f)) {
                for (String c : o.cases()) {
                    tests.add(DynamicTest.dynamicTest(f + " " + c, () -> checkCase(f, c)));
                }
            }
        }
        return tests.stream();
    }

    /**
     * The oracle tests can fail: each corruption (a vision norm, the window/DeepStack/position machinery's weights, a
     * decoder q/k norm or bias) moves the first image case's logits beyond the tolerance.
     */
    @TestFactory
    Stream<DynamicTest> corruptedWeightsFailTheOracle() {
        List<DynamicTest> tests = new ArrayList<>();
        String[][] corruptions = {
            {"qwen25vl-tiny", "visual.blocks.0.norm1.weight"}, {"qwen25vl-tiny", "visual.blocks.1.mlp.gate_proj.bias"},
            {"qwen25vl-tiny", "visual.merger.ln_q.weight"}, {"qwen25vl-tiny", "model.layers.0.self_attn.k_proj.bias"},
            {"qwen3vl-tiny", "model.visual.pos_embed.weight"}, {"qwen3vl-tiny", "model.visual.deepstack_merger_list.1.norm.weight"},
            {"qwen3vl-tiny", "model.visual.patch_embed.proj.bias"}, {"qwen3vl-tiny", "model.language_model.layers.1.self_attn.q_norm.weight"}};
        for (String[] c : corruptions) {
            tests.add(DynamicTest.dynamicTest(c[0] + " " + c[1], () -> {
                try (Oracle o = new Oracle(c[0]); QwenVl model = QwenVl.load(o.dir, DType.F32); NativeScope s = NativeScope.open()) {
                    Tensor w = model.weights().named().get(c[1]);
                    try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(5)) {
                        // noise of 0.05, not a constant shift: a LayerNorm would cancel a shift of every feature
                        w.add_(Tensor.randn(gen, DType.F32, w.shape()).mul(0.05), 1.0);
                    }
                    String cs = o.cases().stream().filter(n -> !o.images(n).isEmpty()).findFirst().orElseThrow();
                    int[] ids = Oracle.ints(o.caseOf(cs).get("input_ids"));
                    List<ImageProcessor.Patches> imgs = new ArrayList<>();
                    for (String img : o.images(cs)) {
                        ImageProcessor.Patches p = model.processor().process(RgbImage.read(o.dir.resolve(img + ".png")));
                        imgs.add(new ImageProcessor.Patches(o.floats(img + ".pixel_values"), p.rows(), p.cols(), p.gridT(), p.gridH(), p.gridW()));
                    }
                    List<int[]> grids = o.grids(cs);
                    Tensor h = model.hidden(model.embed(new int[][] {ids}, model.encodeImages(imgs, null)),
                            new long[][][] {model.positions(ids, grids).ids()}, null, true, null);
                    double e = Oracle.relError(model.logits(h).toFloats(), o.floats(cs + ".logits"));
                    assertTrue(e > 1e-3, c[1] + " corrupted, yet logits within " + e);
                }
            }));
        }
        return tests.stream();
    }

    /** bf16 runs end to end (vision, DeepStack, decoder, KV-cache decoding) and stays near the float32 oracle. */
    @TestFactory
    Stream<DynamicTest> bf16StaysNearTheOracle() {
        return FIXTURES.stream().map(f -> DynamicTest.dynamicTest(f, () -> {
            try (Oracle o = new Oracle(f); QwenVl model = QwenVl.load(o.dir, DType.BF16); NativeScope s = NativeScope.open()) {
                String cs = o.cases().stream().filter(n -> !o.images(n).isEmpty()).findFirst().orElseThrow();
                int[] ids = Oracle.ints(o.caseOf(cs).get("input_ids"));
                List<ImageProcessor.Patches> imgs = new ArrayList<>();
                for (String img : o.images(cs)) {
                    imgs.add(model.processor().process(RgbImage.read(o.dir.resolve(img + ".png"))));
                }
                List<int[]> grids = o.grids(cs);
                QwenVl.Images images = model.encodeImages(imgs, null);
                assertEquals(DType.BF16, images.embeds().dtype());
                Tensor h = model.hidden(model.embed(new int[][] {ids}, images),
                        new long[][][] {model.positions(ids, grids).ids()}, null, true, null);
                assertEquals(DType.BF16, h.dtype());
                assertRel("bf16 logits", model.logits(h).to(DType.F32).toFloats(), o.floats(cs + ".logits"), 5e-2);
                List<DecodeLoop.Sample> got = QwenVlGeneration.sample(model, ids, grids, images, 2, SamplingParams.greedy(4),
                        new int[0], null, null, true);
                assertEquals(4, got.get(1).tokens().length);
            }
        }));
    }

    static void assertRel(String what, float[] got, float[] want, double tol) {
        double e = Oracle.relError(got, want);
        assertTrue(e < tol, what + ": max|Δ|/max|ref| = " + e + " (tolerance " + tol + ")");
    }

    /** The case's images as transformers' own pixel values (so a resize difference cannot hide in the model's results). */
    static List<ImageProcessor.Patches> oraclePatches(Oracle o, QwenVl model, String c) {
        List<ImageProcessor.Patches> out = new ArrayList<>();
        for (ImageProcessor.Patches p : patches(o, model, c)) {
            String img = o.images(c).get(out.size());
            out.add(new ImageProcessor.Patches(o.floats(img + ".pixel_values"), p.rows(), p.cols(), p.gridT(), p.gridH(), p.gridW()));
        }
        return out;
    }

    static List<ImageProcessor.Patches> patches(Oracle o, QwenVl model, String c) {
        List<ImageProcessor.Patches> out = new ArrayList<>();
        for (String img : o.images(c)) {
            out.add(model.processor().process(RgbImage.read(o.dir.resolve(img + ".png"))));
        }
        return out;
    }

    static void checkCase(String fixture, String c) {
        try (Oracle o = new Oracle(fixture); QwenVl model = QwenVl.load(o.dir, DType.F32); NativeScope s = NativeScope.open()) {
            JsonNode cs = o.caseOf(c);
            int[] ids = Oracle.ints(cs.get("input_ids"));
            List<ImageProcessor.Patches> imgs = patches(o, model, c);
            List<int[]> grids = new ArrayList<>();
            for (int i = 0; i < imgs.size(); i++) {
                String img = o.images(c).get(i);
                grids.add(QwenVl.grid(imgs.get(i)));
                assertArrayEquals(o.grids(c).get(i), grids.get(i), img + " grid");
                checkPixels(img, o.floats(img + ".pixel_values"), imgs.get(i), model.processor());
                // the model is checked on transformers' own pixels, so a resize difference cannot hide in it
                ImageProcessor.Patches p = imgs.get(i);
                imgs.set(i, new ImageProcessor.Patches(o.floats(img + ".pixel_values"), p.rows(), p.cols(), p.gridT(), p.gridH(), p.gridW()));
            }
            RopeIndex.Positions pos = model.positions(ids, grids);
            if (o.has(c + ".position_ids")) {
                long[] want = o.tensor(c + ".position_ids").toLongs();
                long[] got = new long[3 * ids.length];
                for (int a = 0; a < 3; a++) {
                    System.arraycopy(pos.ids()[a], 0, got, a * ids.length, ids.length);
                }
                assertArrayEquals(want, got, "position_ids");
            }
            QwenVl.Images images = null;
            if (!imgs.isEmpty()) {
                List<Tensor> trace = new ArrayList<>();
                images = model.encodeImages(imgs, trace);
                List<Tensor> outputs = new ArrayList<>();
                outputs.add(trace.get(0));
                outputs.add(images.embeds());
                outputs.addAll(images.deepstack());
                JsonNode keys = cs.get("vision_output_keys");
                int k = 0;
                while (o.has(c + ".vision." + k)) {
                    String what = "vision." + k + (keys != null && k < keys.size() ? " (" + keys.get(k).asText() + ")" : "");
                    assertTrue(k < outputs.size(), what + " not produced");
                    assertRel(what, outputs.get(k).toFloats(), o.floats(c + ".vision." + k), 1e-4);
                    k++;
                }
                assertEquals(outputs.size(), k, "vision outputs");
            }
            List<Tensor> trace = new ArrayList<>();
            Tensor h = model.hidden(model.embed(new int[][] {ids}, images), new long[][][] {pos.ids()}, null, true, trace);
            for (int i = 0; o.has(c + ".hidden_states." + i); i++) {
                assertRel("hidden_states." + i, trace.get(i).toFloats(), o.floats(c + ".hidden_states." + i), 1e-5);
            }
            Tensor logits = model.logits(h).squeeze(0);
            assertRel("logits", logits.toFloats(), o.floats(c + ".logits"), 1e-4);
            float[] lp = logits.logSoftmax(-1).toFloats();
            int v = model.config().text().vocabSize();
            float[] next = new float[ids.length - 1];
            for (int i = 0; i + 1 < ids.length; i++) {
                next[i] = lp[i * v + ids[i + 1]];
            }
            float[] wantNext = o.floats(c + ".next_token_logprobs");
            for (int i = 0; i < next.length; i++) {
                assertEquals(wantNext[i], next[i], 1e-4, "next-token log-prob " + i);
            }
            checkGreedy(o, model, c, ids, grids, images);
        }
    }

    /**
     * Bit for bit: the fixtures were made by transformers 5's default (torchvision) processor, whose resize is
     * libtorch's antialiased uint8 bicubic ({@code TorchBicubicAA}) and whose normalisation is fused; their
     * transformers-5 preprocessor_config.json must select that backend. (Pillow's resize puts 0.3–0.8 % of these
     * values one grey level off.)
     */
    static void checkPixels(String img, float[] want, ImageProcessor.Patches got, ImageProcessor proc) {
        assertEquals(ImageProcessor.Backend.TORCHVISION, proc.backend(), "backend chosen from preprocessor_config.json");
        assertArrayEquals(want, got.values(), img + " pixel_values");
    }

    static void checkGreedy(Oracle o, QwenVl model, String c, int[] ids, List<int[]> grids, QwenVl.Images images) {
        int[] want = Oracle.ints(o.caseOf(c).get("generated_ids"));
        List<float[]> steps = new ArrayList<>();
        List<DecodeLoop.Sample> got = QwenVlGeneration.sample(model, ids, grids, images, 1, SamplingParams.greedy(want.length),
                new int[0], null, steps, true);
        assertArrayEquals(want, got.get(0).tokens(), c + " greedy ids");
        float[] wantSteps = o.floats(c + ".generate.step_logits");
        int v = model.config().text().vocabSize();
        for (int i = 0; i < want.length; i++) {
            assertRel("step " + i + " logits", steps.get(i), Arrays.copyOfRange(wantSteps, i * v, (i + 1) * v), 1e-4);
        }
    }
}
