package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2-VL on CUDA against transformers' fixture (float32): logits within 1e-4 relative and greedy ids equal for every
 * case, through the dynamic cache, the static-cache engine run eagerly and the same engine replaying a CUDA graph.
 * Skipped, with the reason printed, where no CUDA GPU is visible (CI, laptops); run on a GPU machine with the CUDA build.
 */
class CudaQwen2VLTest {
    /** cuda:0; {@code -Dvrft.cuda.test.device=cpu} dry-runs the test's own logic on the CPU (no GPU needed). */
    static final Device GPU = CudaTestDevice.device();
    static Qwen2VL model;

    @BeforeAll
    static void load() {
        CudaTestDevice.assumeVisible(GPU, CudaQwen2VLTest.class);
        model = Qwen2VL.load(Fixture.DIR, DType.F32, GPU);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void logitsAndGreedyIdsMatchTransformersOnCuda() {
        Map<String, Object> cases = (Map<String, Object>) Fixture.json().raw().get("cases");
        for (String name : cases.keySet()) {
            Map<String, Object> c = Fixture.caseOf(name);
            int[] ids = Fixture.ints(c.get("input_ids"));
            try (NativeScope s = NativeScope.open()) {
                List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
                Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
                assertTrue(embeds == null || embeds.isOn(GPU), "image embeddings on the GPU");
                RopeIndex.Positions pos = RopeIndex.compute(ids, RopeIndexTest.grids(c), model.config());
                Tensor h = model.hidden(model.embed(new int[][] {ids}, embeds), new long[][][] {pos.ids()}, null, true, null);
                Tensor logits = model.logits(h).squeeze(0);
                double e = Fixture.relError(logits.toFloats(), Fixture.array(name + ".logits").floats());
                assertTrue(e < 1e-4, name + ": logits on cuda, max|Δ|/max|ref| = " + e);
                Map<String, Object> gen = (Map<String, Object>) c.get("generate");
                if (gen == null) {
                    continue;
                }
                int[] want = Fixture.ints(gen.get("generated_ids"));
                int[] dynamic = Generation.greedy(model, ids, RopeIndexTest.grids(c), embeds, want.length, -1, null);
                assertArrayEquals(want, dynamic, name + ": greedy ids, dynamic cache on cuda");
                for (StaticDecoder.DecodeStep step : StaticDecoder.DecodeStep.values()) {
                    for (boolean graph : new boolean[] {false, true}) {
                        List<DecodeLoop.Sample> got = StaticDecoder.sample(model, ids, RopeIndexTest.grids(c), embeds, 2,
                                SamplingParams.greedy(want.length), new int[0], null, true, graph, step);
                        for (DecodeLoop.Sample smp : got) {
                            assertArrayEquals(want, smp.tokens(), name + ": greedy ids, static cache on cuda, " + step
                                    + ", graph " + graph);
                        }
                    }
                }
            }
        }
    }

    /**
     * Every case in one batched rollout ({@link StaticDecoder#sampleGroups}: different prompt lengths, images and rope
     * deltas side by side) on CUDA, eager and replaying a CUDA graph, both decode steps: each case's greedy ids equal
     * transformers'; sampled groups equal each prompt's lone rollout with its seed (float32: tokens equal, log-probs
     * within 1e-4).
     */
    @SuppressWarnings("unchecked")
    @Test
    void batchedGroupsMatchEachPromptAloneOnCuda() {
        Map<String, Object> cases = StaticDecoderTest.cases();
        List<int[]> prompts = new java.util.ArrayList<>();
        List<List<int[]>> grids = new java.util.ArrayList<>();
        List<Tensor> embeds = new java.util.ArrayList<>();
        List<int[]> wants = new java.util.ArrayList<>();
        try (NativeScope s = NativeScope.open()) {
            for (String name : cases.keySet()) {
                Map<String, Object> c = Fixture.caseOf(name);
                Map<String, Object> gen = (Map<String, Object>) c.get("generate");
                if (gen == null) {
                    continue;
                }
                prompts.add(Fixture.ints(c.get("input_ids")));
                grids.add(RopeIndexTest.grids(c));
                List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
                embeds.add(imgs.isEmpty() ? null : model.encodeImages(imgs, null));
                wants.add(Fixture.ints(gen.get("generated_ids")));
            }
            int n = prompts.size();
            int maxNew = wants.stream().mapToInt(w -> w.length).min().orElseThrow();
            SamplingParams sampled = new SamplingParams(1.0, 0, 1.0, 12);
            for (StaticDecoder.DecodeStep step : StaticDecoder.DecodeStep.values()) {
                for (boolean graph : new boolean[] {false, true}) {
                    List<java.util.random.RandomGenerator> none = java.util.Arrays.asList(
                            new java.util.random.RandomGenerator[n]);
                    List<List<DecodeLoop.Sample>> greedy = StaticDecoder.sampleGroups(model, prompts, grids, embeds, 2,
                            SamplingParams.greedy(maxNew), new int[0], none, true, graph, step);
                    List<java.util.random.RandomGenerator> seeds = new java.util.ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        seeds.add(new java.util.SplittableRandom(40 + i));
                    }
                    List<List<DecodeLoop.Sample>> got = StaticDecoder.sampleGroups(model, prompts, grids, embeds, 3,
                            sampled, new int[0], seeds, true, graph, step);
                    for (int i = 0; i < n; i++) {
                        String where = "case " + i + ", " + step + ", graph " + graph;
                        for (DecodeLoop.Sample smp : greedy.get(i)) {
                            assertArrayEquals(java.util.Arrays.copyOf(wants.get(i), maxNew), smp.tokens(),
                                    where + ": batched greedy ids");
                        }
                        List<DecodeLoop.Sample> alone = StaticDecoder.sample(model, prompts.get(i), grids.get(i),
                                embeds.get(i), 3, sampled, new int[0], new java.util.SplittableRandom(40 + i), true,
                                graph, step);
                        for (int j = 0; j < 3; j++) {
                            assertArrayEquals(alone.get(j).tokens(), got.get(i).get(j).tokens(), where + " row " + j);
                            assertArrayEquals(alone.get(j).logProbs(), got.get(i).get(j).logProbs(), 1e-4f,
                                    where + " row " + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fused decode step on CUDA (libtorch's attention kernel with the additive mask, stacked projections, GEMMs
     * accumulating into the residual): float32 logits within 1e-4 of the unfused step's; in bf16, the graph replays the
     * eager step's greedy tokens (log-probs within bf16 rounding), and its graph has fewer nodes.
     */
    @Test
    void fusedDecodeStepOnCuda() {
        Map<String, Object> c = Fixture.caseOf(StaticDecoderTest.cases().keySet().iterator().next());
        int[] ids = Fixture.ints(c.get("input_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, c);
            Tensor embeds = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            List<float[]> fused = StaticDecoder.decodeLogits(model, ids, RopeIndexTest.grids(c), embeds, 3, true,
                    StaticDecoder.DecodeStep.FUSED, 5);
            List<float[]> unfused = StaticDecoder.decodeLogits(model, ids, RopeIndexTest.grids(c), embeds, 3, true,
                    StaticDecoder.DecodeStep.UNFUSED, 5);
            for (int i = 0; i < fused.size(); i++) {
                double e = Fixture.relError(fused.get(i), unfused.get(i));
                assertTrue(e < 1e-4, "step " + i + ": fused vs unfused logits on cuda, max|Δ|/max|ref| = " + e);
            }
        }
        try (Qwen2VL bf16 = Qwen2VL.load(Fixture.DIR, DType.BF16, GPU); NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(bf16, c);
            Tensor embeds = imgs.isEmpty() ? null : bf16.encodeImages(imgs, null);
            SamplingParams p = SamplingParams.greedy(24);
            List<List<DecodeLoop.Sample>> runs = new java.util.ArrayList<>();
            for (boolean graph : new boolean[] {false, true}) {
                runs.add(StaticDecoder.sample(bf16, ids, RopeIndexTest.grids(c), embeds, 4, p, new int[0],
                        null, true, graph, StaticDecoder.DecodeStep.FUSED));
            }
            // the graph replays from the third token on; a bf16 near-tie may later part two correct runs, so the
            // first 8 tokens are compared (a graph replaying stale buffers or positions parts them at once)
            for (int i = 0; i < 4; i++) {
                DecodeLoop.Sample eager = runs.get(0).get(i);
                DecodeLoop.Sample graph = runs.get(1).get(i);
                assertArrayEquals(java.util.Arrays.copyOf(eager.tokens(), 8), java.util.Arrays.copyOf(graph.tokens(), 8),
                        "bf16 row " + i + ", graph vs eager");
                assertArrayEquals(java.util.Arrays.copyOf(eager.logProbs(), 8), java.util.Arrays.copyOf(graph.logProbs(), 8),
                        2e-2f, "bf16 row " + i);
                assertEquals(24, graph.tokens().length);
            }
            StaticDecoder.StepCount unfused = StaticDecoder.countDecodeStep(bf16, ids, RopeIndexTest.grids(c), embeds, 4,
                    true, StaticDecoder.DecodeStep.UNFUSED);
            StaticDecoder.StepCount fused = StaticDecoder.countDecodeStep(bf16, ids, RopeIndexTest.grids(c), embeds, 4,
                    true, StaticDecoder.DecodeStep.FUSED);
            System.out.printf("bf16 decode step on cuda: unfused %s calls, %d graph nodes; fused %s calls, %d graph nodes%n",
                    unfused.step(), unfused.graphNodes(), fused.step(), fused.graphNodes());
            if (GPU.isCuda()) { // graphs exist only there; a dry run on the CPU (-Dvrft.cuda.test.device=cpu) has none
                assertTrue(fused.graphNodes() > 0 && fused.graphNodes() < unfused.graphNodes());
            }
        }
    }
}
