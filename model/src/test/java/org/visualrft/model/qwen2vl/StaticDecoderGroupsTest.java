package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Several prompts' groups decoded together by the static-cache engine (the GPU's rollout path, here on the CPU, float32):
 * prompts of different lengths, images and rope deltas in one batch give each prompt what it gives alone.
 */
class StaticDecoderGroupsTest {
    static Qwen2VL model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        model = Qwen2VL.load(Fixture.DIR, DType.F32);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * Every fixture case (prompt lengths 13 to 37; no image, one image, two images) decoded in one batch: greedy ids
     * equal transformers' for each case, for the fused step (matmul and libtorch attention) and the unfused one.
     */
    @SuppressWarnings("unchecked")
    @Test
    void batchedGreedyIdsEqualTransformersForEveryCase() {
        Map<String, Object> cases = StaticDecoderTest.cases();
        List<String> names = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        List<List<int[]>> grids = new ArrayList<>();
        List<int[]> wants = new ArrayList<>();
        Set<Integer> lengths = new HashSet<>();
        for (String name : cases.keySet()) {
            Map<String, Object> c = Fixture.caseOf(name);
            Map<String, Object> gen = (Map<String, Object>) c.get("generate");
            if (gen != null) {
                names.add(name);
                prompts.add(Fixture.ints(c.get("input_ids")));
                grids.add(RopeIndexTest.grids(c));
                wants.add(Fixture.ints(gen.get("generated_ids")));
                lengths.add(prompts.get(prompts.size() - 1).length);
            }
        }
        assertTrue(lengths.size() >= 2, "the fixture's cases should have different prompt lengths: " + lengths);
        int maxNew = wants.stream().mapToInt(w -> w.length).min().orElseThrow();
        for (boolean sdpa : new boolean[] {false, true}) {
            for (StaticDecoder.DecodeStep step : StaticDecoder.DecodeStep.values()) {
                String was = System.setProperty("vrft.decode.sdpa", Boolean.toString(sdpa));
                try (NativeScope s = NativeScope.open()) {
                    List<Tensor> embeds = new ArrayList<>();
                    for (String name : names) {
                        List<ImageProcessor.Patches> imgs = Qwen2VLParityTest.imagesOf(model, Fixture.caseOf(name));
                        embeds.add(imgs.isEmpty() ? null : model.encodeImages(imgs, null));
                    }
                    List<RandomGenerator> rngs = new ArrayList<>(Arrays.asList(new RandomGenerator[names.size()]));
                    List<List<DecodeLoop.Sample>> got = StaticDecoder.sampleGroups(model, prompts, grids, embeds, 2,
                            SamplingParams.greedy(maxNew), new int[0], rngs, true, false, step);
                    assertEquals(names.size(), got.size());
                    for (int i = 0; i < names.size(); i++) {
                        int[] want = Arrays.copyOf(wants.get(i), maxNew);
                        for (DecodeLoop.Sample smp : got.get(i)) {
                            assertArrayEquals(want, smp.tokens(), names.get(i) + " greedy ids, " + step + " sdpa " + sdpa);
                        }
                    }
                } finally {
                    restore("vrft.decode.sdpa", was);
                }
            }
        }
    }

    /** Three prompts of different lengths and image sizes (the policy's own chat template and image processing). */
    static List<Prompt> prompts() {
        return List.of(
                new Prompt(Image.read(Fixture.DIR.resolve("image_a.png")), "What is in the image ?"),
                new Prompt(Image.read(Fixture.DIR.resolve("image_b.png")), "cat , dog or box ? What is in the image ?"),
                new Prompt(Image.read(Fixture.DIR.resolve("image_b_resized_56x112.png")), "What ?"));
    }

    static List<RandomGenerator> seeds(long... seeds) {
        List<RandomGenerator> out = new ArrayList<>();
        for (long s : seeds) {
            out.add(new Random(s));
        }
        return out;
    }

    /**
     * Through the policy on the GPU's path ({@code vrft.sampling.on_device}): one prompt is generate to the bit; three
     * prompts give each prompt's own greedy ids, and sampled groups the tokens each prompt samples alone with its
     * seed, their log-probs within 1e-5 of the lone run's and 1e-4 of the teacher-forced ones (float32), with the
     * LoRA adapters off (base model) and on (trained-looking adapters); a seed repeats the batch.
     */
    @Test
    void policyGroupsEqualEachPromptAlone() throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("m")));
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"));
        String was = System.setProperty("vrft.sampling.on_device", "true");
        try (Qwen2VLPolicy base = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, null, 0, null, null));
             Qwen2VLPolicy tuned = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, lora, 3, null, null))) {
            try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(11)) {
                for (Parameter t : tuned.trainableParameters()) {
                    if (t.name().endsWith("lora_B.weight")) {
                        t.value().copy_(Tensor.randn(gen, DType.F32, t.value().shape()).mul(0.05));
                    }
                }
            }
            List<Prompt> prompts = prompts();
            Set<Integer> lengths = new HashSet<>();
            for (Prompt p : prompts) {
                lengths.add(base.encodePrompt(p).ids().length);
            }
            assertEquals(3, lengths.size(), "three prompt lengths");
            for (Qwen2VLPolicy p : List.of(base, tuned)) {
                checkAgainstAlone(p, prompts);
            }
        } finally {
            restore("vrft.sampling.on_device", was);
        }
    }

    private static void checkAgainstAlone(Qwen2VLPolicy p, List<Prompt> prompts) {
        SamplingParams sampled = new SamplingParams(1.0, 0, 1.0, 10);
        // one prompt: generate exactly
        List<List<Rollout>> one = p.generateGroups(prompts.subList(1, 2), 3, sampled, seeds(5));
        List<Rollout> alone = p.generate(prompts.get(1), 3, sampled, new Random(5));
        for (int j = 0; j < 3; j++) {
            assertArrayEquals(alone.get(j).tokens(), one.get(0).get(j).tokens());
            assertArrayEquals(alone.get(j).logProbs(), one.get(0).get(j).logProbs());
        }
        // greedy: each prompt's own ids
        List<List<Rollout>> greedy = p.generateGroups(prompts, 2, SamplingParams.greedy(8), seeds(1, 2, 3));
        for (int i = 0; i < prompts.size(); i++) {
            int[] want = p.generate(prompts.get(i), 1, SamplingParams.greedy(8), new Random(9)).get(0).tokens();
            for (Rollout r : greedy.get(i)) {
                assertArrayEquals(want, r.tokens(), "prompt " + i + " greedy ids");
            }
        }
        // sampled: each group what its prompt samples alone with its seed; log-probs teacher-forced
        List<List<Rollout>> got = p.generateGroups(prompts, 4, sampled, seeds(21, 22, 23));
        boolean differ = false;
        for (int i = 0; i < prompts.size(); i++) {
            List<Rollout> lone = p.generate(prompts.get(i), 4, sampled, new Random(21 + i));
            List<int[]> completions = new ArrayList<>();
            for (int j = 0; j < 4; j++) {
                Rollout r = got.get(i).get(j);
                assertArrayEquals(lone.get(j).tokens(), r.tokens(), "prompt " + i + " row " + j + " tokens");
                assertArrayEquals(lone.get(j).logProbs(), r.logProbs(), 1e-5f, "prompt " + i + " row " + j);
                assertEquals(lone.get(j).endedWithEos(), r.endedWithEos());
                completions.add(r.tokens());
                differ |= j > 0 && !Arrays.equals(r.tokens(), got.get(i).get(0).tokens());
            }
            try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
                float[] tf = p.logProbs(prompts.get(i), completions).logProbs().toFloats();
                int width = tf.length / 4;
                for (int j = 0; j < 4; j++) {
                    float[] lp = got.get(i).get(j).logProbs();
                    for (int t = 0; t < lp.length; t++) {
                        assertEquals(tf[j * width + t], lp[t], 1e-4, "prompt " + i + " row " + j + " token " + t);
                    }
                }
            }
        }
        assertTrue(differ, "temperature 1 over the vocabulary gave identical rows");
        // a seed repeats the batch; other seeds give other samples
        List<List<Rollout>> again = p.generateGroups(prompts, 4, sampled, seeds(21, 22, 23));
        List<List<Rollout>> other = p.generateGroups(prompts, 4, sampled, seeds(31, 32, 33));
        boolean otherDiffers = false;
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < 4; j++) {
                assertArrayEquals(got.get(i).get(j).tokens(), again.get(i).get(j).tokens());
                assertArrayEquals(got.get(i).get(j).logProbs(), again.get(i).get(j).logProbs());
                otherDiffers |= !Arrays.equals(got.get(i).get(j).tokens(), other.get(i).get(j).tokens());
            }
        }
        assertTrue(otherDiffers, "other seeds gave the same samples");
    }

    /** A prompt that stops early (its first sampled token made a stop token) leaves the other groups unchanged. */
    @Test
    void stopTokensCutOnlyTheirOwnRows() {
        Map<String, Object> ca = Fixture.caseOf("image_a");
        Map<String, Object> cb = Fixture.caseOf("text_only");
        try (NativeScope s = NativeScope.open()) {
            List<int[]> prompts = List.of(Fixture.ints(ca.get("input_ids")), Fixture.ints(cb.get("input_ids")));
            List<List<int[]>> grids = List.of(RopeIndexTest.grids(ca), RopeIndexTest.grids(cb));
            List<Tensor> embeds = Arrays.asList(model.encodeImages(Qwen2VLParityTest.imagesOf(model, ca), null), null);
            SamplingParams p = new SamplingParams(1.0, 50, 0.95, 12);
            List<List<DecodeLoop.Sample>> free = StaticDecoder.sampleGroups(model, prompts, grids, embeds, 3, p,
                    new int[0], List.of(new SplittableRandom(7), new SplittableRandom(8)), true, false);
            int stop = free.get(0).get(0).tokens()[0];
            List<List<DecodeLoop.Sample>> cut = StaticDecoder.sampleGroups(model, prompts, grids, embeds, 3, p,
                    new int[] {stop}, List.of(new SplittableRandom(7), new SplittableRandom(8)), true, false);
            assertArrayEquals(new int[] {stop}, cut.get(0).get(0).tokens());
            assertTrue(cut.get(0).get(0).endedWithEos());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    int[] full = free.get(i).get(j).tokens();
                    int n = 0;
                    while (n < full.length && full[n] != stop) {
                        n++;
                    }
                    assertArrayEquals(Arrays.copyOf(full, Math.min(full.length, n + 1)), cut.get(i).get(j).tokens(),
                            "group " + i + " row " + j);
                }
            }
        }
    }

    private static void restore(String key, String was) {
        if (was == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, was);
        }
    }
}
