package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualrft.model.policy.GroupRollouts.rngs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2.5-VL and Qwen3-VL through the static-cache rollout engine ({@link QwenVlGroups#sampleStatic}: a cache of fixed
 * size, the fused decode step with merged adapters, Qwen3's per-head q/k RMSNorms, one rotary id per row), what a GPU
 * runs (there with the step replayed as a CUDA graph, see {@link CudaQwenVlTest}). Here on the CPU in float32:
 * transformers' greedy ids for every oracle case, alone and all cases in one batch, with the eager attention and with
 * libtorch's kernel; and the same samples as the growing-cache device loop (same sampler, same draws) for prompts of
 * three lengths, with and without trained-looking LoRA adapters, rows stopping early included.
 */
class QwenVlStaticDecoderTest {
    /** Float32 rounding between the two engines' log-probs. */
    static final float TOLERANCE = 1e-5f;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void oracleCasesGiveTransformersGreedyIds(String name) {
        for (boolean sdpa : new boolean[] {false, true}) {
            String was = System.setProperty("vrft.decode.sdpa", Boolean.toString(sdpa));
            try (Oracle o = new Oracle(name); QwenVl model = QwenVl.load(o.dir, DType.F32, Device.CPU)) {
                checkOracleGreedy(o, model, false, " sdpa " + sdpa);
            } finally {
                restore("vrft.decode.sdpa", was);
            }
        }
    }

    /**
     * Every case of {@code o} alone (one row) and all together (2-row groups, prompts of different lengths in one
     * cache) through the static engine: each row gives transformers' greedy ids for its case.
     */
    static void checkOracleGreedy(Oracle o, QwenVl model, boolean useGraph, String label) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<String> cases = o.cases();
            List<QwenVlGroups.Input> in = new ArrayList<>();
            List<int[]> wants = new ArrayList<>();
            for (String c : cases) {
                List<ImageProcessor.Patches> imgs = QwenVlParityTest.oraclePatches(o, model, c);
                in.add(new QwenVlGroups.Input(Oracle.ints(o.caseOf(c).get("input_ids")), o.grids(c),
                        imgs.isEmpty() ? null : model.encodeImages(imgs, null)));
                wants.add(Oracle.ints(o.caseOf(c).get("generated_ids")));
            }
            int longest = wants.stream().mapToInt(w -> w.length).max().orElseThrow();
            for (int i = 0; i < cases.size(); i++) {
                int[] want = wants.get(i);
                List<DecodeLoop.Sample> alone = QwenVlGroups.sampleStatic(model, List.of(in.get(i)), 1,
                        SamplingParams.greedy(want.length), new int[0], rngs(1, 1), true, useGraph).get(0);
                assertArrayEquals(want, alone.get(0).tokens(), o.dir.getFileName() + " " + cases.get(i)
                        + ": greedy ids, static engine, alone on " + model.device() + label);
            }
            List<List<DecodeLoop.Sample>> together = QwenVlGroups.sampleStatic(model, in, 2,
                    SamplingParams.greedy(longest), new int[0], rngs(1, in.size()), true, useGraph);
            for (int i = 0; i < cases.size(); i++) {
                int[] want = wants.get(i);
                for (DecodeLoop.Sample smp : together.get(i)) {
                    assertArrayEquals(want, Arrays.copyOf(smp.tokens(), want.length), o.dir.getFileName() + " "
                            + cases.get(i) + ": greedy ids, static engine, beside the other cases on " + model.device()
                            + label);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void samplesWhatTheGrowingCacheDeviceLoopSamples(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, QwenVlPolicyTest.fixture(name));
        try (QwenVlPolicy p = (QwenVlPolicy) ModelLoader.load(dir)) {
            QwenVl m = p.model();
            List<QwenVlGroups.Input> in = inputs(p, QwenVlGroupsTest.prompts(name, p));
            checkAgainstDeviceLoop(p, in, p.eosTokenId(), false, "base");
            try (Generator gen = Generator.seeded(5)) {
                m.attachLora(new LoraConfig(4, 8, Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                        "up_proj", "down_proj")), gen);
            }
            moveAdapters(m, 6);
            checkAgainstDeviceLoop(p, in, p.eosTokenId(), false, "LoRA");
        }
    }

    /** Each prompt's ids, grids and encoded images, as the policy makes them. */
    static List<QwenVlGroups.Input> inputs(QwenVlPolicy p, List<Prompt> prompts) {
        List<QwenVlGroups.Input> in = new ArrayList<>();
        for (Prompt x : prompts) {
            QwenVlPolicy.Encoded e = p.encodePrompt(x);
            in.add(new QwenVlGroups.Input(e.ids(), e.grids(), p.model().encodeImages(List.of(e.patches()), null)));
        }
        return in;
    }

    /** LoRA's B starts at zero: random values make the merged weights differ from the base. */
    static void moveAdapters(QwenVl m, long seed) {
        try (Tensor.GradMode ng = Tensor.noGrad(); Generator noise = Generator.seeded(seed)) {
            for (Map.Entry<String, Tensor> t : m.adapterTensors()) {
                if (t.getKey().contains("lora_B")) {
                    Tensor v = t.getValue();
                    v.copy_(Tensor.randn(noise, DType.F32, v.shape()).mul(0.05).on(v.device()).to(v.dtype()));
                }
            }
        }
    }

    /**
     * The static engine against the growing-cache device loop ({@link QwenVlGroups#sampleOnDevice}) and against
     * teacher forcing, three prompts together and the first alone, with the model's stop id and with one the samples
     * draw early (so rows stop while others go on), adapters on when the model has them. Greedy: the loop's tokens,
     * log-probs within {@link #TOLERANCE}, the same stops. Sampled (temperature 1 and the paper's settings): both draw
     * from the same sampler in the same order, so the first token (from the same prefill) is the loop's; later a draw
     * that falls within rounding of a token boundary may pick a neighbour, so each row is checked by teacher forcing:
     * its log-probs are the model's for its tokens within 1e-4, and it stops exactly at its first stop id.
     */
    static void checkAgainstDeviceLoop(QwenVlPolicy p, List<QwenVlGroups.Input> in, int eosId, boolean useGraph,
                                       String label) {
        QwenVl m = p.model();
        boolean adapters = m.lora() != null;
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            SamplingParams sampled = new SamplingParams(1.0, 0, 1.0, 10);
            int early = QwenVlGroups.sampleOnDevice(m, in, 3, sampled, new int[] {eosId}, rngs(4, in.size()), adapters)
                    .get(0).get(0).tokens()[2];
            int finishedEarly = 0;
            for (int[] eos : List.of(new int[] {eosId}, new int[] {eosId, early})) {
                for (SamplingParams sp : List.of(SamplingParams.greedy(10), sampled, SamplingParams.visualRft(10))) {
                    for (List<QwenVlGroups.Input> prompts : List.of(in, in.subList(0, 1))) {
                        List<List<DecodeLoop.Sample>> loop = QwenVlGroups.sampleOnDevice(m, prompts, 3, sp, eos,
                                rngs(4, prompts.size()), adapters);
                        List<List<DecodeLoop.Sample>> engine = QwenVlGroups.sampleStatic(m, prompts, 3, sp, eos,
                                rngs(4, prompts.size()), adapters, useGraph);
                        for (int i = 0; i < prompts.size(); i++) {
                            QwenVlGroups.Input x = prompts.get(i);
                            List<int[]> completions = new ArrayList<>();
                            engine.get(i).forEach(r -> completions.add(r.tokens()));
                            float[] forced = p.groupLogProbs(x.ids(), x.grids(), x.images(), completions).logProbs()
                                    .toFloats();
                            int width = forced.length / completions.size();
                            for (int j = 0; j < 3; j++) {
                                String where = label + " " + sp + " eos " + Arrays.toString(eos) + " " + prompts.size()
                                        + " prompts, prompt " + i + " row " + j + " on " + m.device();
                                DecodeLoop.Sample a = loop.get(i).get(j);
                                DecodeLoop.Sample b = engine.get(i).get(j);
                                if (sp.temperature() == 0) {
                                    assertArrayEquals(a.tokens(), b.tokens(), where);
                                    assertArrayEquals(a.logProbs(), b.logProbs(), TOLERANCE, where);
                                    assertEquals(a.endedWithEos(), b.endedWithEos(), where);
                                }
                                assertEquals(a.tokens()[0], b.tokens()[0], where + ": first token");
                                int[] t = b.tokens();
                                for (int k = 0; k < t.length; k++) {
                                    assertEquals(forced[j * width + k], b.logProbs()[k], 1e-4, where + " token " + k);
                                    int tk = t[k];
                                    boolean stop = Arrays.stream(eos).anyMatch(e -> e == tk);
                                    assertEquals(stop, k == t.length - 1 && b.endedWithEos(), where + " stop at " + k);
                                }
                                finishedEarly += b.endedWithEos() && t.length < 10 ? 1 : 0;
                            }
                        }
                    }
                }
            }
            assertTrue(finishedEarly > 0, "some rows stop before the others");
            if (adapters) {
                List<List<DecodeLoop.Sample>> base = QwenVlGroups.sampleStatic(m, in, 1, SamplingParams.greedy(10),
                        new int[0], rngs(1, in.size()), false, useGraph);
                List<List<DecodeLoop.Sample>> tuned = QwenVlGroups.sampleStatic(m, in, 1, SamplingParams.greedy(10),
                        new int[0], rngs(1, in.size()), true, useGraph);
                boolean adaptersMatter = false;
                for (int i = 0; i < in.size(); i++) {
                    adaptersMatter |= !Arrays.equals(base.get(i).get(0).logProbs(), tuned.get(i).get(0).logProbs());
                }
                assertTrue(adaptersMatter, "the merged adapters change the decode step's log-probs");
            }
        }
    }

    /** Through the policy on the GPU's path: the static engine by default, the growing-cache loop when switched off. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void thePolicyTakesTheEngineOnTheDevicePath(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, QwenVlPolicyTest.fixture(name));
        String was = System.setProperty("vrft.sampling.on_device", "true");
        try (QwenVlPolicy p = (QwenVlPolicy) ModelLoader.load(dir)) {
            List<Prompt> ps = QwenVlGroupsTest.prompts(name, p);
            List<QwenVlGroups.Input> in = inputs(p, ps);
            SamplingParams sp = SamplingParams.visualRft(8);
            List<List<Rollout>> groups = p.generateGroups(ps, 2, sp, rngs(3, ps.size()));
            List<Rollout> one = p.generate(ps.get(1), 2, sp, rngs(3, 1).get(0));
            boolean adapters = p.model().lora() != null;
            List<List<DecodeLoop.Sample>> engine = QwenVlGroups.sampleStatic(p.model(), in, 2, sp,
                    new int[] {p.eosTokenId()}, rngs(3, ps.size()), adapters, false);
            List<DecodeLoop.Sample> engineOne = QwenVlGroups.sampleStatic(p.model(), in.subList(1, 2), 2, sp,
                    new int[] {p.eosTokenId()}, rngs(3, 1), adapters, false).get(0);
            for (int j = 0; j < 2; j++) {
                assertArrayEquals(engineOne.get(j).tokens(), one.get(j).tokens());
                assertArrayEquals(engineOne.get(j).logProbs(), one.get(j).logProbs());
                for (int i = 0; i < ps.size(); i++) {
                    assertArrayEquals(engine.get(i).get(j).tokens(), groups.get(i).get(j).tokens());
                    assertArrayEquals(engine.get(i).get(j).logProbs(), groups.get(i).get(j).logProbs());
                }
            }
            String off = System.setProperty("vrft.decode.static", "false");
            try {
                List<List<DecodeLoop.Sample>> loop = QwenVlGroups.sampleOnDevice(p.model(), in, 2, sp,
                        new int[] {p.eosTokenId()}, rngs(3, ps.size()), adapters);
                List<List<Rollout>> viaLoop = p.generateGroups(ps, 2, sp, rngs(3, ps.size()));
                for (int i = 0; i < ps.size(); i++) {
                    for (int j = 0; j < 2; j++) {
                        assertArrayEquals(loop.get(i).get(j).logProbs(), viaLoop.get(i).get(j).logProbs());
                    }
                }
            } finally {
                restore("vrft.decode.static", off);
            }
        } finally {
            restore("vrft.sampling.on_device", was);
        }
    }

    static void restore(String key, String was) {
        if (was == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, was);
        }
    }
}
