package org.visualrft.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The built-in model on CUDA against the same model on the CPU (float32, same seed): logits and log-probs within 1e-5,
 * gradients within 1e-4 relative, greedy tokens equal, a saved GPU model read back on the host identical. Skipped,
 * with the reason printed, where no CUDA GPU is visible (CI, laptops); run on a GPU machine with the CUDA build.
 */
class CudaTinyVlmTest {
    /** cuda:0; {@code -Dvrft.cuda.test.device=cpu} dry-runs the test's own logic on the CPU (no GPU needed). */
    static final Device GPU = CudaTestDevice.device();
    static final Prompt PROMPT = TinyFixtures.prompt(4);
    static final List<int[]> COMPLETIONS = List.of(new int[] {5, 9, 2, 11}, new int[] {7});

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaTinyVlmTest.class);
    }

    /** max|Δ| within {@code tol} (relative to the reference's largest value when that is above 1). */
    static void assertClose(String what, float[] got, float[] want, double tol) {
        assertEquals(want.length, got.length, what);
        double d = 0;
        double m = 1;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[i] - want[i]));
            m = Math.max(m, Math.abs(want[i]));
        }
        assertTrue(d <= tol * m, what + ": max|Δ| = " + d + " (tolerance " + tol * m + ")");
    }

    @Test
    void logitsLogProbsGradientsAndGreedyTokensOnCudaMatchTheCpu(@TempDir Path dir) {
        try (TinyVlm cpu = TinyFixtures.model(dir.resolve("cpu"), 3, DType.F32);
             TinyVlm gpu = TinyFixtures.model(dir.resolve("gpu"), 3, DType.F32, GPU)) {
            assertEquals(GPU, gpu.device());
            List<Parameter> pc = cpu.parameters();
            List<Parameter> pg = gpu.parameters();
            for (int i = 0; i < pc.size(); i++) {
                assertTrue(pg.get(i).value().isOn(GPU), pg.get(i).name() + " on the GPU");
                assertArrayEquals(pc.get(i).value().toFloats(), pg.get(i).value().toFloats(), "same seed, same weights");
            }
            assertClose("logits", gpu.fullLogits(PROMPT, new int[] {5, 9, 2}), cpu.fullLogits(PROMPT, new int[] {5, 9, 2}),
                    1e-5);
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                Tensor lp = gpu.logProbs(PROMPT, COMPLETIONS).logProbs();
                assertTrue(lp.isOn(GPU));
                assertClose("group log-probs", lp.toFloats(), cpu.logProbs(PROMPT, COMPLETIONS).logProbs().toFloats(), 1e-5);
                List<Prompt> prompts = List.of(PROMPT, TinyFixtures.prompt(5));
                assertClose("batch log-probs", gpu.logProbs(prompts, COMPLETIONS).logProbs().toFloats(),
                        cpu.logProbs(prompts, COMPLETIONS).logProbs().toFloats(), 1e-5);
            }
            try (NativeScope s = NativeScope.open()) {
                cpu.logProbs(PROMPT, COMPLETIONS).logProbs().sum().backward();
                gpu.logProbs(PROMPT, COMPLETIONS).logProbs().sum().backward();
                for (int i = 0; i < pc.size(); i++) {
                    Tensor gg = pg.get(i).value().grad();
                    assertNotNull(gg, pg.get(i).name() + " has a gradient");
                    assertTrue(gg.isOn(GPU), pg.get(i).name() + " gradient on the GPU");
                    float[] want = pc.get(i).value().grad().toFloats();
                    double d = maxAbsDiff(gg.toFloats(), want);
                    assertTrue(d <= 1e-4 * Math.max(1e-6, maxAbs(want)), pg.get(i).name() + " gradient: max|Δ| = " + d
                            + ", max|ref| = " + maxAbs(want));
                }
            }
            List<Rollout> hostGreedy = cpu.generate(PROMPT, 2, SamplingParams.greedy(12), new SplittableRandom(1));
            List<Rollout> gpuGreedy = gpu.generate(PROMPT, 2, SamplingParams.greedy(12), new SplittableRandom(1));
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(hostGreedy.get(i).tokens(), gpuGreedy.get(i).tokens(), "greedy row " + i);
                assertClose("greedy log-probs", gpuGreedy.get(i).logProbs(), hostGreedy.get(i).logProbs(), 1e-5);
            }
            List<Rollout> a = gpu.generate(PROMPT, 4, SamplingParams.visualRft(10), new SplittableRandom(6));
            List<Rollout> b = gpu.generate(PROMPT, 4, SamplingParams.visualRft(10), new SplittableRandom(6));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), "a seed repeats the samples on the GPU");
            }
            try (Policy ref = gpu.frozenCopy()) {
                assertEquals(GPU, ref.device());
            }
            gpu.save(dir.resolve("saved"));
            try (Policy back = ModelLoader.load(dir.resolve("saved"));
                 Policy again = ModelLoader.load(dir.resolve("saved"), LoadOptions.on(GPU))) {
                assertEquals(Device.CPU, back.device());
                assertEquals(GPU, again.device());
                for (int i = 0; i < pg.size(); i++) {
                    assertArrayEquals(pg.get(i).value().toFloats(), back.parameters().get(i).value().toFloats(),
                            "saved from the GPU, read on the host: " + pg.get(i).name());
                }
                assertClose("logits after a GPU save and a GPU load", ((TinyVlm) again).fullLogits(PROMPT, new int[] {5}),
                        ((TinyVlm) back).fullLogits(PROMPT, new int[] {5}), 1e-5);
            }
        }
    }

    /** rollout_batch_groups on the GPU: prompts of different lengths in one device decode, greedy. */
    @Test
    void batchedGroupsOnCudaDecodeAsEachPromptAlone(@TempDir Path dir) {
        try (TinyVlm cpu = TinyFixtures.model(dir.resolve("cpu"), 3, DType.F32);
             TinyVlm gpu = TinyFixtures.model(dir.resolve("gpu"), 3, DType.F32, GPU)) {
            List<Prompt> prompts = TinyVlmGroupsTest.prompts(gpu);
            SamplingParams greedy = SamplingParams.greedy(12);
            List<List<Rollout>> batched = gpu.generateGroups(prompts, 2, greedy, org.visualrft.model.policy.GroupRollouts.rngs(1, 3));
            List<List<Rollout>> host = cpu.generateGroups(prompts, 2, greedy, org.visualrft.model.policy.GroupRollouts.rngs(1, 3));
            for (int i = 0; i < prompts.size(); i++) {
                List<Rollout> alone = gpu.generate(prompts.get(i), 2, greedy, new SplittableRandom(1));
                for (int j = 0; j < 2; j++) {
                    String where = "prompt " + i + " row " + j;
                    assertArrayEquals(alone.get(j).tokens(), batched.get(i).get(j).tokens(), where);
                    assertArrayEquals(host.get(i).get(j).tokens(), batched.get(i).get(j).tokens(), where + " (CPU)");
                    assertClose(where + " log-probs", batched.get(i).get(j).logProbs(), alone.get(j).logProbs(), 1e-5);
                }
            }
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
