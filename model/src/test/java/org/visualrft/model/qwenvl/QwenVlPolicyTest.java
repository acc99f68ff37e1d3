package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** Qwen2.5-VL and Qwen3-VL behind the Policy interface, on folders around the tiny oracle models. */
class QwenVlPolicyTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
    }

    static Prompt prompt(String name) {
        return new Prompt(Image.read(fixture(name).resolve("image_a.png")), "What is in the image ?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void registryOpensTheFolderAndPolicyDecodingMatchesDirectDecoding(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        try (Policy p = ModelLoader.load(dir)) {
            QwenVlPolicy q = assertInstanceOf(QwenVlPolicy.class, p);
            boolean q25 = name.startsWith("qwen25");
            assertEquals(q25 ? "qwen2_5_vl" : "qwen3_vl", p.modelType());
            // frames by construction: the reward options a run builds from the policy carry the model's frame
            assertEquals(q25 ? CoordinateFrame.RESIZED_PIXELS : CoordinateFrame.NORMALIZED_1000, p.boxFrame());
            RewardOptions ro = p.rewardOptions(RewardOptions.DEFAULT);
            assertEquals(p.boxFrame(), ro.modelFrame());
            assertEquals(CoordinateFrame.NORMALIZED_1000, ro.datasetFrame());
            assertEquals(q25 ? 28 : 32, ro.resize().factor());
            QwenVlPolicy.Encoded e = q.encodePrompt(prompt(name));
            // Qwen2.5-VL's template opens with the default system turn, Qwen3-VL's with the user turn
            assertEquals(306, e.ids()[0]);
            assertEquals(q25 ? "system" : "user", q.decode(new int[] {e.ids()[1]}));
            int pads = 0;
            for (int id : e.ids()) {
                pads += id == 300 ? 1 : 0;
            }
            assertEquals(e.patches().tokenCount(2), pads);
            List<Rollout> r = p.generate(prompt(name), 2, SamplingParams.greedy(6), new Random(1));
            assertArrayEquals(r.get(0).tokens(), r.get(1).tokens(), "greedy rows of one group agree");
            try (NativeScope s = NativeScope.open()) {
                QwenVl.Images img = q.model().encodeImages(List.of(e.patches()), null);
                List<DecodeLoop.Sample> direct = QwenVlGeneration.sample(q.model(), e.ids(), e.grids(), img, 1,
                        SamplingParams.greedy(6), new int[] {303}, null, null, true);
                assertArrayEquals(direct.get(0).tokens(), r.get(0).tokens());
            }
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                GroupLogProbs lp = p.logProbs(prompt(name), List.of(r.get(0).tokens(), new int[] {r.get(0).tokens()[0]}));
                float[] got = lp.logProbs().toFloats();
                int t = r.get(0).length();
                for (int i = 0; i < t; i++) {
                    assertEquals(r.get(0).logProbs()[i], got[i], 1e-4, "token " + i);
                }
                assertEquals(got[0], got[t], 1e-5, "a padded row gives the same log-prob for its real token");
            }
            List<Rollout> a = p.generate(prompt(name), 3, SamplingParams.visualRft(8), new Random(7));
            List<Rollout> b = p.generate(prompt(name), 3, SamplingParams.visualRft(8), new Random(7));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), "the rng decides the samples");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void loraTrainsOnlyAdaptersReferenceIsTheBaseAndMergedSaveReloads(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("src")), fixture(name));
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "gate_proj", "down_proj"));
        Prompt prompt = prompt(name);
        try (QwenVlPolicy base = QwenVlPolicy.load(dir, new QwenVlPolicy.Options(DType.F32, null, 0, null, null));
             QwenVlPolicy p = QwenVlPolicy.load(dir, new QwenVlPolicy.Options(DType.F32, lora, 3, null, null))) {
            assertEquals(2 * 4 * base.model().config().text().numLayers(), p.trainableParameters().size());
            List<int[]> comps = List.of(new int[] {5, 9, 303}, new int[] {17});
            float[] baseLp;
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                baseLp = base.logProbs(prompt, comps).logProbs().toFloats();
                assertArrayEquals(baseLp, p.logProbs(prompt, comps).logProbs().toFloats(), 1e-6f, "B = 0 changes nothing");
            }
            try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(11)) {
                for (Parameter t : p.trainableParameters()) {
                    if (t.name().endsWith("lora_B.weight")) {
                        t.value().copy_(Tensor.randn(gen, DType.F32, t.value().shape()).mul(0.05));
                    }
                }
            }
            float[] tuned;
            try (NativeScope s = NativeScope.open()) {
                GroupLogProbs lp = p.logProbs(prompt, comps);
                lp.logProbs().sum().backward();
                tuned = lp.logProbs().detach().toFloats();
            }
            assertTrue(Oracle.relError(tuned, baseLp) > 1e-4, "adapters change the model");
            for (Parameter t : p.trainableParameters()) {
                assertNotNull(t.value().grad(), t.name() + " has a gradient");
            }
            for (Parameter t : p.parameters()) {
                if (!t.name().contains("lora_")) {
                    assertFalse(t.value().requiresGrad(), t.name() + " is frozen");
                }
            }
            try (Policy ref = p.frozenCopy(); NativeScope s = NativeScope.open()) {
                assertTrue(ref.trainableParameters().isEmpty());
                GroupLogProbs lp = ref.logProbs(prompt, comps);
                assertFalse(lp.logProbs().requiresGrad());
                assertArrayEquals(baseLp, lp.logProbs().toFloats(), 1e-6f, "the reference is the base model");
            }
            Path out = tmp.resolve("merged");
            p.save(out);
            assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
            try (QwenVlPolicy back = QwenVlPolicy.load(out, new QwenVlPolicy.Options(DType.F32, null, 0, null, null));
                 NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                assertNull(back.model().lora());
                assertEquals(base.model().weights().named().keySet(), back.model().weights().named().keySet(),
                        "the merged folder keeps the source's tensor names");
                assertArrayEquals(tuned, back.logProbs(prompt, comps).logProbs().toFloats(), 1e-5f);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void withoutLoraTheLanguageModelTrainsAndTheVisionTowerStaysFrozen(String name) throws Exception {
        Path dir = TinyQwenFolder.create(tmp, fixture(name));
        try (QwenVlPolicy p = QwenVlPolicy.load(dir, new QwenVlPolicy.Options(DType.F32, null, 0, null, null))) {
            List<Parameter> train = p.trainableParameters();
            assertFalse(train.isEmpty());
            for (Parameter t : train) {
                assertFalse(t.name().contains("visual."), t.name());
            }
            try (NativeScope s = NativeScope.open()) {
                p.logProbs(prompt(name), List.of(new int[] {5, 9})).logProbs().sum().backward();
            }
            for (Parameter t : train) {
                assertNotNull(t.value().grad(), t.name() + " has a gradient");
            }
        }
    }
}
