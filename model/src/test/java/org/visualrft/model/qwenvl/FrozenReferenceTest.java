package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The frozen reference of a full fine-tuning run ({@link Policy#frozenCopy}) of the three Qwen families: its language
 * model is a copy that stays the base while the policy trains; its vision tower, frozen in both, is the policy's own
 * storage (no second copy in memory) and outlives the policy's handles.
 */
class FrozenReferenceTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void theReferenceSharesTheVisionTowerAndCopiesTheLanguageModel(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        List<int[]> comps = List.of(new int[] {5, 9, 303}, new int[] {17});
        Policy ref;
        float[] base;
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, null, 0))) {
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                base = p.logProbs(prompt, comps).logProbs().toFloats();
            }
            ref = p.frozenCopy();
            Map<String, Tensor> mine = byName(p.parameters());
            Map<String, Tensor> its = byName(ref.parameters());
            assertEquals(mine.keySet(), its.keySet());
            int vision = 0;
            for (String n : mine.keySet()) {
                boolean v = n.startsWith("visual.") || n.startsWith("model.visual.");
                vision += v ? 1 : 0;
                assertEquals(v, mine.get(n).sameData(its.get(n)), n + (v ? " is shared" : " is a copy"));
                assertArrayEquals(mine.get(n).toFloats(), its.get(n).toFloats(), n);
            }
            assertTrue(vision > 10, vision + " vision weights");
            // the policy trains: every language-model weight moves; the reference stays the base
            try (Tensor.GradMode g = Tensor.noGrad()) {
                for (Parameter t : p.trainableParameters()) {
                    t.value().add_(Tensor.full(0.01, t.value().dtype(), t.value().shape()), 1.0);
                }
            }
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                float[] moved = p.logProbs(prompt, comps).logProbs().toFloats();
                assertTrue(!java.util.Arrays.equals(base, moved), "the update changed the policy");
                assertArrayEquals(base, ref.logProbs(prompt, comps).logProbs().toFloats(), name + ": reference");
            }
        }
        // the policy is closed: the reference still encodes the image with the shared vision weights
        try (ref; NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            assertArrayEquals(base, ref.logProbs(prompt, comps).logProbs().toFloats(), name + ": after the policy closed");
        }
    }

    private static Map<String, Tensor> byName(List<Parameter> ps) {
        return ps.stream().collect(Collectors.toMap(Parameter::name, Parameter::value, (a, b) -> a,
                java.util.LinkedHashMap::new));
    }
}
