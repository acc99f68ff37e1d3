package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Full fine-tuning with the vision tower trained ({@code freeze_vision_modules: false}, what the original Visual-RFT and
 * Hugging Face's Trainer do) on the three Qwen families: the tower's weights are trained parameters, the loss's
 * gradient reaches them (checked against a central finite difference), an image cache does not cut it off, and the
 * GRPO reference holds its own copy of the tower that stays the base.
 */
class VisionTowerTrainingTest {
    private static final List<int[]> COMPLETIONS = List.of(new int[] {5, 9, 303}, new int[] {17, 40});

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void theLossGradientReachesTheVisionTowerAsFiniteDifferencesSay(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        try (Policy p = ModelLoader.load(dir, trained())) {
            List<Parameter> vision = vision(p.trainableParameters());
            assertTrue(vision.size() > 10, name + ": " + vision.size() + " vision weights trained");
            assertEquals(p.parameters().size(), p.trainableParameters().size(), "every weight trains");

            // the analytic directional derivative of the summed log-probs along a random direction of the tower
            List<Tensor> direction = new ArrayList<>();
            try (Generator g = Generator.seeded(7); Tensor.GradMode off = Tensor.noGrad()) {
                for (Parameter v : vision) {
                    direction.add(Tensor.randn(g, DType.F32, v.value().shape()).persist());
                }
            }
            double analytic;
            try (NativeScope s = NativeScope.open()) {
                objective(p.logProbs(prompt, COMPLETIONS)).backward();
                analytic = 0;
                for (int i = 0; i < vision.size(); i++) {
                    Tensor grad = vision.get(i).value().grad();
                    assertTrue(grad != null, vision.get(i).name() + " has a gradient");
                    analytic += grad.mul(direction.get(i)).sum().item();
                }
            }
            // the same derivative by central differences: f(w + h·d) − f(w − h·d) over 2h
            double h = 1e-3;
            double plus = shifted(p, prompt, vision, direction, h);
            double minus = shifted(p, prompt, vision, direction, -h);
            double numeric = (plus - minus) / (2 * h);
            assertTrue(Math.abs(analytic) > 1e-2, name + ": the tower moves the log-probs (" + analytic + ")");
            assertEquals(numeric, analytic, 0.03 * Math.abs(analytic) + 1e-3, name + ": d/dvision");

            // an image cache (what a GRPO step passes) neither changes the values nor cuts the gradient off
            for (Parameter v : vision) {
                v.value().zeroGrad();
            }
            try (VisionCache cache = new VisionCache(); NativeScope s = NativeScope.open()) {
                GroupLogProbs withCache = p.logProbs(prompt, COMPLETIONS, cache);
                float[] cached = withCache.logProbs().detach().toFloats();
                objective(withCache).backward();
                // the same grad mode as with the cache (kernels may differ between grad modes in the last bit)
                assertArrayEquals(p.logProbs(prompt, COMPLETIONS).logProbs().detach().toFloats(), cached, name);
                double again = 0;
                for (int i = 0; i < vision.size(); i++) {
                    again += vision.get(i).value().grad().mul(direction.get(i)).sum().item();
                }
                assertEquals(analytic, again, 1e-6 * Math.abs(analytic), name + ": the same gradient with a cache");
                assertEquals(0, cache.encodes(), "a training tower's encodings carry gradients: never cached");
            }
        }
    }

    /**
     * Activation checkpointing of the language model sends the gradient on into the vision tower (through the image
     * embeddings, and Qwen3-VL's DeepStack features added inside the checkpointed layers) as the plain forward does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void checkpointedLayersPassTheGradientOnToTheTower(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        try (Policy p = ModelLoader.load(dir, trained())) {
            List<Parameter> params = p.trainableParameters();
            List<float[]> plain = gradients(p, prompt, params);
            p.gradientCheckpointing(true);
            List<float[]> checkpointed = gradients(p, prompt, params);
            for (int i = 0; i < params.size(); i++) {
                float[] a = plain.get(i);
                float[] b = checkpointed.get(i);
                double scale = 1e-6;
                for (float v : a) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int j = 0; j < a.length; j++) {
                    assertEquals(a[j], b[j], 1e-4 * scale, params.get(i).name() + "[" + j + "]");
                }
            }
            assertTrue(vision(params).stream().allMatch(v -> v.value().grad() != null));
        }
    }

    private static List<float[]> gradients(Policy p, Prompt prompt, List<Parameter> params) {
        for (Parameter q : params) {
            if (q.value().grad() != null) {
                q.value().zeroGrad();
            }
        }
        try (NativeScope s = NativeScope.open()) {
            GroupLogProbs lp = p.logProbs(prompt, COMPLETIONS);
            objective(lp).backward();
            if (lp.checkpointed() != null) {
                lp.checkpointed().run();
            }
        }
        List<float[]> out = new ArrayList<>();
        for (Parameter q : params) {
            out.add(q.value().grad() == null ? new float[0] : q.value().grad().toFloats());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void theReferenceOfATrainedTowerIsACopyThatStaysTheBase(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        try (Policy p = ModelLoader.load(dir, trained()); Policy ref = p.frozenCopy()) {
            float[] base = logProbs(p, prompt);
            assertTrue(ref.trainableParameters().isEmpty());
            List<Parameter> mine = p.parameters();
            List<Parameter> its = ref.parameters();
            for (int i = 0; i < mine.size(); i++) {
                assertFalse(mine.get(i).value().sameData(its.get(i).value()), mine.get(i).name() + " is a copy");
            }
            // only the vision tower moves: the policy's log-probs follow it, the reference's stay the base
            try (Tensor.GradMode g = Tensor.noGrad()) {
                for (Parameter v : vision(p.trainableParameters())) {
                    v.value().mul_(1.5);
                }
            }
            assertFalse(Arrays.equals(base, logProbs(p, prompt)), name + ": the tower's update changed the policy");
            try (VisionCache cache = new VisionCache(); NativeScope s = NativeScope.open();
                    Tensor.GradMode g = Tensor.noGrad()) {
                // the policy encodes nothing into the cache, so the reference can only find its own encodings there
                p.logProbs(prompt, COMPLETIONS, cache);
                assertArrayEquals(base, ref.logProbs(prompt, COMPLETIONS, cache).logProbs().toFloats(), name);
                assertArrayEquals(base, logProbs(ref, prompt), name + ": reference without a cache");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen3vl-tiny"})
    void aFrozenTowerTakesNoGradient(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, null, 0).withFreezeVision(true))) {
            List<Parameter> trained = p.trainableParameters();
            assertTrue(vision(trained).isEmpty(), "no vision weight trains");
            List<Parameter> all = vision(p.parameters());
            try (NativeScope s = NativeScope.open()) {
                objective(p.logProbs(QwenVlPolicyTest.prompt(name), COMPLETIONS)).backward();
            }
            for (Parameter v : all) {
                assertNull(v.value().grad(), v.name());
            }
        }
    }

    private static LoadOptions trained() {
        return new LoadOptions(Device.CPU, DType.F32, null, 0).withFreezeVision(false);
    }

    private static List<Parameter> vision(List<Parameter> ps) {
        return ps.stream().filter(q -> q.name().startsWith("visual.") || q.name().startsWith("model.visual.")).toList();
    }

    private static Tensor objective(GroupLogProbs lp) {
        return lp.logProbs().mul(lp.mask()).sum();
    }

    private static float[] logProbs(Policy p, Prompt prompt) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            return p.logProbs(prompt, COMPLETIONS).logProbs().toFloats();
        }
    }

    /** The objective with the tower moved by {@code h}·direction, then moved back. */
    private static double shifted(Policy p, Prompt prompt, List<Parameter> vision, List<Tensor> direction, double h) {
        try (Tensor.GradMode g = Tensor.noGrad(); NativeScope s = NativeScope.open()) {
            List<Tensor> saved = new ArrayList<>();
            for (int i = 0; i < vision.size(); i++) {
                saved.add(vision.get(i).value().detach().copy());
                vision.get(i).value().add_(direction.get(i), h);
            }
            double f = objective(p.logProbs(prompt, COMPLETIONS)).to(DType.F64).item();
            for (int i = 0; i < vision.size(); i++) {
                vision.get(i).value().copy_(saved.get(i));
            }
            return f;
        }
    }
}
