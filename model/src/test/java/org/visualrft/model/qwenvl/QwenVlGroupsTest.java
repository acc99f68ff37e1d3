package org.visualrft.model.qwenvl;

import static org.visualrft.model.policy.GroupRollouts.assertSameRollouts;
import static org.visualrft.model.policy.GroupRollouts.onePromptAtATime;
import static org.visualrft.model.policy.GroupRollouts.rngs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Several prompts' groups of Qwen2.5-VL / Qwen3-VL sampled in one batched decode ({@link QwenVlPolicy#generateGroups},
 * {@link QwenVlGroups}): prompts of different lengths (texts and image sizes) share one cache, so every row must see
 * exactly its own prefix and rotate its new tokens at its own prompt's M-RoPE ids.
 */
class QwenVlGroupsTest {
    @TempDir
    Path tmp;

    /** Float32 rounding between a row decoded beside others and the teacher-forced batch (or the row decoded alone). */
    static final float TOLERANCE = 1e-5f;

    /** Three prompts of three different lengths: other texts, and a 57x120 image beside the 100x76 one. */
    static List<Prompt> prompts(String name, QwenVlPolicy p) {
        Image a = Image.read(QwenVlPolicyTest.fixture(name).resolve("image_a.png"));
        Image b = Image.read(QwenVlPolicyTest.fixture(name).resolve("image_b.png"));
        List<Prompt> out = List.of(new Prompt(a, "What is in the image ?"), new Prompt(b, "Where ?"),
                new Prompt(a, "Detect all objects belonging to the category cat and dog in the image ."));
        assertEquals(3, out.stream().mapToInt(x -> p.encodePrompt(x).ids().length).distinct().count(),
                "the prompts differ in length: " + out.stream().map(x -> p.encodePrompt(x).ids().length).toList());
        return out;
    }

    private QwenVlPolicy open(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, QwenVlPolicyTest.fixture(name));
        return (QwenVlPolicy) ModelLoader.load(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void onePromptIsGenerateToTheBit(String name) throws Exception {
        try (QwenVlPolicy p = open(name)) {
            Prompt one = prompts(name, p).get(1);
            for (SamplingParams sp : List.of(SamplingParams.visualRft(8), new SamplingParams(1.0, 0, 1.0, 8),
                    SamplingParams.greedy(8))) {
                List<Rollout> alone = p.generate(one, 3, sp, new SplittableRandom(9));
                assertSameRollouts(List.of(alone), p.generateGroups(List.of(one), 3, sp, List.of(new SplittableRandom(9))),
                        0f);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void promptsOfDifferentLengthsDecodeTogetherAsEachDoesAlone(String name) throws Exception {
        try (QwenVlPolicy p = open(name)) {
            List<Prompt> ps = prompts(name, p);
            for (int g = 2; g <= 3; g++) {
                // greedy: each prompt's own greedy ids
                List<List<Rollout>> greedy = p.generateGroups(ps, g, SamplingParams.greedy(10), rngs(1, 3));
                assertSameRollouts(onePromptAtATime(p, ps, g, SamplingParams.greedy(10), 1), greedy, TOLERANCE);
                SamplingParams sp = new SamplingParams(1.0, 0, 1.0, 10);
                List<List<Rollout>> sampled = p.generateGroups(ps, g, sp, rngs(2, 3));
                assertMatchesTeacherForcing(p, ps, sampled);
                // the draws of each prompt alone (its own generator, in its own order)
                assertSameRollouts(onePromptAtATime(p, ps, g, sp, 2), sampled, TOLERANCE);
            }
        }
    }

    /** The sampled tokens' log-probs are the model's teacher-forced ones: each row saw its prefix at its positions. */
    static void assertMatchesTeacherForcing(Policy p, List<Prompt> ps, List<List<Rollout>> sampled) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            for (int i = 0; i < ps.size(); i++) {
                List<int[]> tokens = new ArrayList<>();
                sampled.get(i).forEach(r -> tokens.add(r.tokens()));
                float[] scored = p.logProbs(ps.get(i), tokens).logProbs().toFloats();
                int tmax = scored.length / tokens.size();
                for (int j = 0; j < tokens.size(); j++) {
                    float[] lp = sampled.get(i).get(j).logProbs();
                    for (int t = 0; t < lp.length; t++) {
                        assertEquals(scored[j * tmax + t], lp[t], TOLERANCE, "prompt " + i + " row " + j + " token " + t);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void theSameSeedsGiveTheSameGroups(String name) throws Exception {
        try (QwenVlPolicy p = open(name)) {
            List<Prompt> ps = prompts(name, p);
            SamplingParams sp = SamplingParams.visualRft(8);
            List<List<Rollout>> a = p.generateGroups(ps, 3, sp, rngs(7, 3));
            assertSameRollouts(a, p.generateGroups(ps, 3, sp, rngs(7, 3)), 0f);
            List<List<Rollout>> other = p.generateGroups(ps, 3, sp, rngs(8, 3));
            boolean differs = false;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    differs |= !Arrays.equals(a.get(i).get(j).tokens(), other.get(i).get(j).tokens());
                }
            }
            assertTrue(differs, "other seeds give other samples");
            assertThrows(IllegalArgumentException.class, () -> p.generateGroups(ps, 2, sp, rngs(1, 2)));
        }
    }

    /** Prompts of one length (nothing to mask): the same prompt twice, each group its own generator's draws. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void promptsOfEqualLengthNeedNoMask(String name) throws Exception {
        try (QwenVlPolicy p = open(name)) {
            Prompt one = prompts(name, p).get(0);
            List<Prompt> ps = List.of(one, one);
            SamplingParams sp = SamplingParams.visualRft(8);
            List<List<Rollout>> together = p.generateGroups(ps, 2, sp, rngs(3, 2));
            assertSameRollouts(onePromptAtATime(p, ps, 2, sp, 3), together, TOLERANCE);
            assertTrue(!Arrays.equals(together.get(0).get(0).tokens(), together.get(1).get(0).tokens()),
                    "the two groups draw from different generators");
        }
    }

    /** With the step's {@link VisionCache}: the same samples to the bit, each image encoded once (two for three prompts). */
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void theVisionCacheGivesTheSameGroupsWithFewerVisionForwards(String name) throws Exception {
        try (QwenVlPolicy p = open(name); VisionCache images = new VisionCache()) {
            List<Prompt> ps = prompts(name, p);
            SamplingParams sp = SamplingParams.visualRft(6);
            List<List<Rollout>> plain = p.generateGroups(ps, 2, sp, rngs(5, 3));
            long before = p.model().visionForwards();
            assertSameRollouts(plain, p.generateGroups(ps, 2, sp, rngs(5, 3), images), 0f);
            assertEquals(2, p.model().visionForwards() - before, "image_a is encoded once for prompts 0 and 2");
        }
    }

    /**
     * Both loops straight, each against its lone-prompt loop ({@link QwenVlGeneration#sample} and
     * {@link QwenVlGeneration#sampleOnDevice}, the device loop being what a GPU runs, here on the CPU), also with a
     * stop id the samples draw early, so some rows finish while the others decode on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void bothLoopsDecodeGroupsTogetherAsEachAlone(String name) throws Exception {
        try (QwenVlPolicy p = open(name); NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            QwenVl m = p.model();
            List<QwenVlGroups.Input> in = new ArrayList<>();
            for (Prompt x : prompts(name, p)) {
                QwenVlPolicy.Encoded e = p.encodePrompt(x);
                in.add(new QwenVlGroups.Input(e.ids(), e.grids(), m.encodeImages(List.of(e.patches()), null)));
            }
            SamplingParams sampled = new SamplingParams(1.0, 0, 1.0, 10);
            // a token prompt 0 samples third: as a stop id it ends some rows early
            int early = QwenVlGroups.sample(m, in, 3, sampled, new int[] {p.eosTokenId()}, rngs(4, 3), true)
                    .get(0).get(0).tokens()[2];
            int finishedEarly = 0;
            for (int[] eos : List.of(new int[] {p.eosTokenId()}, new int[] {p.eosTokenId(), early})) {
                for (SamplingParams sp : List.of(SamplingParams.greedy(10), sampled, SamplingParams.visualRft(10))) {
                    for (boolean device : new boolean[] {false, true}) {
                        List<List<DecodeLoop.Sample>> together = device
                                ? QwenVlGroups.sampleOnDevice(m, in, 3, sp, eos, rngs(4, 3), true)
                                : QwenVlGroups.sample(m, in, 3, sp, eos, rngs(4, 3), true);
                        List<RandomGenerator> r = rngs(4, 3);
                        for (int i = 0; i < in.size(); i++) {
                            QwenVlGroups.Input x = in.get(i);
                            List<DecodeLoop.Sample> alone = device
                                    ? QwenVlGeneration.sampleOnDevice(m, x.ids(), x.grids(), x.images(), 3, sp, eos, r.get(i), true)
                                    : QwenVlGeneration.sample(m, x.ids(), x.grids(), x.images(), 3, sp, eos, r.get(i), null, true);
                            for (int j = 0; j < 3; j++) {
                                String where = (device ? "device " : "java ") + sp + " eos " + Arrays.toString(eos)
                                        + " prompt " + i + " row " + j;
                                DecodeLoop.Sample a = alone.get(j);
                                DecodeLoop.Sample b = together.get(i).get(j);
                                assertArrayEquals(a.tokens(), b.tokens(), where);
                                assertArrayEquals(a.logProbs(), b.logProbs(), TOLERANCE, where);
                                assertEquals(a.endedWithEos(), b.endedWithEos(), where);
                                finishedEarly += b.endedWithEos() && b.tokens().length < 10 ? 1 : 0;
                            }
                        }
                    }
                }
            }
            assertTrue(finishedEarly > 0, "some rows stop before the others");
        }
    }

    /** transformers' greedy ids of every oracle case (lengths 13 to 37, none, one or two images), all cases decoded together. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void oracleCasesDecodedTogetherGiveTransformersGreedyIds(String name) {
        try (Oracle o = new Oracle(name); QwenVl model = QwenVl.load(o.dir, DType.F32, Device.CPU)) {
            checkOracleGroupsGreedy(o, model);
        }
    }

    /** Every case of {@code o} in one chunk of 2-row groups, through both loops: each row gives the case's greedy ids. */
    static void checkOracleGroupsGreedy(Oracle o, QwenVl model) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<String> cases = o.cases();
            List<QwenVlGroups.Input> in = new ArrayList<>();
            int longest = 0;
            for (String c : cases) {
                List<ImageProcessor.Patches> imgs = QwenVlParityTest.oraclePatches(o, model, c);
                in.add(new QwenVlGroups.Input(Oracle.ints(o.caseOf(c).get("input_ids")), o.grids(c),
                        imgs.isEmpty() ? null : model.encodeImages(imgs, null)));
                longest = Math.max(longest, Oracle.ints(o.caseOf(c).get("generated_ids")).length);
            }
            SamplingParams greedy = SamplingParams.greedy(longest);
            for (boolean device : new boolean[] {false, true}) {
                List<List<DecodeLoop.Sample>> got = device
                        ? QwenVlGroups.sampleOnDevice(model, in, 2, greedy, new int[0], rngs(1, in.size()), true)
                        : QwenVlGroups.sample(model, in, 2, greedy, new int[0], rngs(1, in.size()), true);
                for (int i = 0; i < cases.size(); i++) {
                    int[] want = Oracle.ints(o.caseOf(cases.get(i)).get("generated_ids"));
                    for (DecodeLoop.Sample smp : got.get(i)) {
                        assertArrayEquals(want, Arrays.copyOf(smp.tokens(), want.length), o.dir.getFileName() + " "
                                + cases.get(i) + ": greedy ids decoded beside the other cases ("
                                + (device ? "device" : "host") + " loop on " + model.device() + ")");
                    }
                }
            }
        }
    }
}
