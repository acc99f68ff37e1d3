package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.StaticDecoder.DecodeStep;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The fused decode step (stacked q/k/v and gate/up projections, merged LoRA adapters, rotary of q and k together,
 * projections accumulated into the residual) computes the unfused step's function: same logits in float32 within
 * rounding, with and without adapters, the same samples for a seed, and fewer libtorch calls per layer.
 */
class FusedDecodeTest {
    static Qwen2VL plain;
    static Qwen2VL plainBf16;
    static Qwen2VL adapted; // the same weights with LoRA adapters whose B is random, so the merge changes the output
    static Map<String, Object> fixtureCase;

    @BeforeAll
    static void load() {
        plain = Qwen2VL.load(Fixture.DIR, DType.F32);
        plainBf16 = Qwen2VL.load(Fixture.DIR, DType.BF16);
        adapted = Qwen2VL.load(Fixture.DIR, DType.F32);
        try (Generator gen = Generator.seeded(31); NativeScope s = NativeScope.open()) {
            adapted.attachLora(LoraConfig.allLinear(4, 8), gen);
            for (Qwen2VLWeights.Layer l : adapted.weights().layers()) {
                for (String name : LoraConfig.ALL_LINEAR) {
                    Linear p = l.projection(name);
                    try (Tensor.GradMode ng = Tensor.noGrad()) {
                        p.loraB().copy_(Tensor.randn(gen, DType.F32, p.loraB().shape()).mul(0.05));
                    }
                }
            }
        }
        // a case with an image, so the prompt's M-RoPE positions differ from the decode positions
        for (String name : StaticDecoderTest.cases().keySet()) {
            Map<String, Object> c = Fixture.caseOf(name);
            if (fixtureCase == null || !RopeIndexTest.grids(c).isEmpty()) {
                fixtureCase = c;
            }
        }
    }

    @AfterAll
    static void close() {
        plain.close();
        plainBf16.close();
        adapted.close();
    }

    interface Run<T> {
        T apply(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor embeds);
    }

    static <T> T withPrompt(Qwen2VL model, Run<T> run) {
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, fixtureCase);
            Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            int[] prompt = Fixture.ints(fixtureCase.get("input_ids"));
            return run.apply(model, prompt, RopeIndexTest.grids(fixtureCase), embeds);
        }
    }

    static List<float[]> logits(Qwen2VL model, boolean adapters, DecodeStep step) {
        return withPrompt(model, (m, p, g, e) -> StaticDecoder.decodeLogits(m, p, g, e, 3, adapters, step, 6));
    }

    static double maxAbsDiff(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).length, b.get(i).length);
            for (int j = 0; j < a.get(i).length; j++) {
                max = Math.max(max, Math.abs(a.get(i)[j] - b.get(i)[j]));
            }
        }
        return max;
    }

    static double maxAbs(List<float[]> a) {
        double max = 0;
        for (float[] x : a) {
            for (float v : x) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    @Test
    void fusedLogitsEqualUnfusedInFloat32() {
        List<float[]> fused = logits(plain, false, DecodeStep.FUSED);
        List<float[]> unfused = logits(plain, false, DecodeStep.UNFUSED);
        double d = maxAbsDiff(fused, unfused);
        System.out.printf("fused vs unfused logits, no adapters: max |diff| %.2e of max |logit| %.2f%n", d,
                maxAbs(unfused));
        assertTrue(d < 1e-4, "fused logits differ by " + d);
    }

    @Test
    void fusedStepWithTheGpuAttentionKernelGivesTheSameLogits() {
        // on CUDA the fused step attends with libtorch's kernel (strided queries, additive mask): the same function
        System.setProperty("vrft.decode.sdpa", "true");
        List<float[]> fused;
        try {
            fused = logits(adapted, true, DecodeStep.FUSED);
        } finally {
            System.clearProperty("vrft.decode.sdpa");
        }
        double d = maxAbsDiff(fused, logits(adapted, true, DecodeStep.UNFUSED));
        assertTrue(d < 1e-4, "fused logits with scaled_dot_product_attention differ by " + d);
    }

    @Test
    void mergedAdaptersGiveTheUnfusedAdapterLogits() {
        List<float[]> fused = logits(adapted, true, DecodeStep.FUSED);
        List<float[]> unfused = logits(adapted, true, DecodeStep.UNFUSED);
        List<float[]> base = logits(adapted, false, DecodeStep.FUSED);
        double d = maxAbsDiff(fused, unfused);
        double effect = maxAbsDiff(unfused, base);
        System.out.printf("fused (merged) vs unfused adapters: max |diff| %.2e; adapters move logits by %.2e%n", d,
                effect);
        assertTrue(effect > 1e-2, "the random adapters barely change the logits: " + effect);
        assertTrue(d < 1e-4, "merged-adapter logits differ by " + d);
        // adapters off: the base model, whatever adapters hang on the projections
        assertTrue(maxAbsDiff(base, logits(plain, false, DecodeStep.UNFUSED)) < 1e-4);
    }

    @Test
    void seededSamplingGivesTheUnfusedSamples() {
        for (SamplingParams p : List.of(new SamplingParams(1.0, 0, 1.0, 10), new SamplingParams(0.8, 50, 0.95, 10))) {
            for (boolean adapters : new boolean[] {false, true}) {
                Qwen2VL model = adapters ? adapted : plain;
                List<DecodeLoop.Sample> fused = sample(model, p, adapters, DecodeStep.FUSED);
                List<DecodeLoop.Sample> unfused = sample(model, p, adapters, DecodeStep.UNFUSED);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(unfused.get(i).tokens(), fused.get(i).tokens(), "row " + i + " " + p);
                    assertArrayEquals(unfused.get(i).logProbs(), fused.get(i).logProbs(), 1e-4f, "row " + i + " " + p);
                }
            }
        }
    }

    @Test
    void bf16FusedLogitsStayWithinBf16Rounding() {
        List<float[]> fused = logits(plainBf16, false, DecodeStep.FUSED);
        List<float[]> unfused = logits(plainBf16, false, DecodeStep.UNFUSED);
        double d = maxAbsDiff(fused, unfused);
        double scale = maxAbs(unfused);
        System.out.printf("bf16 fused vs unfused logits: max |diff| %.2e of max |logit| %.2f%n", d, scale);
        // bf16 keeps 8 significant bits; the fused step rounds in other places (rotary multiply-add, the residual
        // added inside the GEMM), a few units of the last place of the largest logits at most
        assertTrue(d < 0.05 * Math.max(scale, 1e-3), "bf16 fused logits differ by " + d);
    }

    static List<DecodeLoop.Sample> sample(Qwen2VL model, SamplingParams p, boolean adapters, DecodeStep step) {
        return withPrompt(model, (m, pr, g, e) -> StaticDecoder.sample(m, pr, g, e, 4, p, new int[0],
                new SplittableRandom(5), adapters, false, step));
    }

    @Test
    void fusedStepMakesFewerCallsAndAdaptersAddNone() {
        StaticDecoder.StepCount unfused = count(plain, false, DecodeStep.UNFUSED);
        StaticDecoder.StepCount unfusedLora = count(adapted, true, DecodeStep.UNFUSED);
        StaticDecoder.StepCount fused = count(plain, false, DecodeStep.FUSED);
        StaticDecoder.StepCount fusedLora = count(adapted, true, DecodeStep.FUSED);
        StaticDecoder.StepCount unfusedBf16 = count(plainBf16, false, DecodeStep.UNFUSED);
        StaticDecoder.StepCount fusedBf16 = count(plainBf16, false, DecodeStep.FUSED);
        report("CPU", unfused, unfusedLora, fused, fusedLora, unfusedBf16, fusedBf16);
        assertEquals(fused.step(), fusedLora.step(), "merged adapters cost nothing per token");
        assertTrue(unfusedLora.layers().ops() > unfused.layers().ops(), "the unfused step runs the adapters");
        assertTrue(fused.layers().ops() < unfused.layers().ops(), fused.layers() + " against " + unfused.layers());
        assertTrue(2 * fusedBf16.layers().ops() <= unfusedBf16.layers().ops(),
                "bf16: " + fusedBf16.layers() + " against " + unfusedBf16.layers());
        // CUDA's code path (libtorch's attention call), counted here
        System.setProperty("vrft.decode.sdpa", "true");
        try {
            StaticDecoder.StepCount unfusedBf16Cuda = count(plainBf16, false, DecodeStep.UNFUSED);
            StaticDecoder.StepCount fusedBf16Cuda = count(plainBf16, false, DecodeStep.FUSED);
            report("CUDA's code path", count(plain, false, DecodeStep.UNFUSED),
                    count(adapted, true, DecodeStep.UNFUSED), count(plain, false, DecodeStep.FUSED),
                    count(adapted, true, DecodeStep.FUSED), unfusedBf16Cuda, fusedBf16Cuda);
            assertTrue(3 * fusedBf16Cuda.layers().ops() <= unfusedBf16Cuda.layers().ops(),
                    "bf16, CUDA's path: " + fusedBf16Cuda.layers() + " against " + unfusedBf16Cuda.layers());
        } finally {
            System.clearProperty("vrft.decode.sdpa");
        }
    }

    /** Prints calls per layer and per step: float32 unfused, unfused LoRA, fused, fused LoRA; bf16 unfused, fused. */
    static void report(String path, StaticDecoder.StepCount... counts) {
        String[] names = {"float32 unfused", "unfused LoRA", "fused", "fused LoRA", "bf16 unfused", "bf16 fused"};
        int layers = plain.config().numLayers();
        StringBuilder b = new StringBuilder("libtorch calls of a decode step, " + path + " (per layer: ops + views; "
                + "whole step):");
        for (int i = 0; i < counts.length; i++) {
            b.append(String.format("%n  %-16s %5.1f + %4.1f  %s", names[i], counts[i].layers().ops() / (double) layers,
                    counts[i].layers().views() / (double) layers, counts[i].step()));
        }
        System.out.println(b);
    }

    static StaticDecoder.StepCount count(Qwen2VL model, boolean adapters, DecodeStep step) {
        return withPrompt(model, (m, p, g, e) -> StaticDecoder.countDecodeStep(m, p, g, e, 3, adapters, step));
    }
}
