package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualrft.model.qwenvl.DirectionalDerivative.objective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.OpCounter;
import org.visualrft.model.tensor.Tensor;

/**
 * Full fine-tuning with the vision tower trained ({@code freeze_vision_modules: false}, what the original Visual-RFT and
 * Hugging Face's Trainer do) on the three Qwen families: the tower's weights are trained parameters, the loss's
 * gradient reaches them (checked against a central finite difference), an image cache does not cut it off, activation
 * checkpointing runs the tower's blocks again in the backward for the plain gradients, and the GRPO reference holds its
 * own copy of the tower that stays the base.
 */
class VisionTowerTrainingTest {
    private static final List<int[]> COMPLETIONS = DirectionalDerivative.COMPLETIONS;

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

            DirectionalDerivative.checkGradientWithAndWithoutCache(p, prompt, vision, name);
        }
    }

    /**
     * Activation checkpointing with the tower trained, in float32 (the Qwen families run in float32 or bfloat16 only):
     * the language model's layers and the vision tower's blocks (Qwen2.5-VL's windowed and full-attention blocks,
     * Qwen3-VL's DeepStack taps) run again in the backward; the log-probs are the plain forward's within 1e-6
     * relative (a few float32 ulps) and every weight's gradient, tower and language model, the plain backward's within
     * {@link GradientCheckpointingTest#TOLERANCE} of its largest entry (float32 sums taken in another order).
     */
    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, trained", "qwen25vl-tiny, trained", "qwen3vl-tiny, trained",
        "qwen2vl-tiny, adapters", "qwen25vl-tiny, adapters", "qwen3vl-tiny, adapters"})
    void checkpointingTheTowerAndTheLayersGivesThePlainGradients(String name, String tower) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        boolean adapters = tower.equals("adapters"); // LoRA on the tower (and the decoder), B drawn as after training
        try (Policy p = ModelLoader.load(dir, adapters ? VisionLoraTest.allLinearWithTower() : trained())) {
            if (adapters) {
                VisionLoraTest.randomB(p, 5);
            }
            List<Parameter> params = p.trainableParameters();
            List<float[]> plainLogProbs = new ArrayList<>();
            List<double[]> plain = gradients(p, prompt, params, plainLogProbs);
            p.gradientCheckpointing(true);
            List<float[]> checkpointedLogProbs = new ArrayList<>();
            List<double[]> checkpointed = gradients(p, prompt, params, checkpointedLogProbs);
            // the checkpointed forward runs without autograd, whose kernels may round the last bit differently
            float[] x = plainLogProbs.get(0);
            float[] y = checkpointedLogProbs.get(0);
            assertEquals(x.length, y.length);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6 * Math.abs(x[i]), name + ": log-prob " + i);
            }
            int visionWithGradient = 0;
            for (int i = 0; i < params.size(); i++) {
                double[] a = plain.get(i);
                double[] b = checkpointed.get(i);
                double scale = 0;
                for (double v : a) {
                    scale = Math.max(scale, Math.abs(v));
                }
                String n = params.get(i).name();
                visionWithGradient += isVision(n) && scale > 0 ? 1 : 0;
                for (int j = 0; j < a.length; j++) {
                    assertEquals(a[j], b[j], GradientCheckpointingTest.TOLERANCE * Math.max(scale, 1e-12), n + "[" + j + "]");
                }
            }
            // the comparison means something only where gradients flow: into (nearly) every tower weight
            int vision = vision(params).size();
            assertTrue(vision > 10, name + ": " + vision + " tower weights or adapters train");
            assertTrue(visionWithGradient >= vision * 9 / 10, name + ": " + visionWithGradient + " of " + vision
                    + " tower gradients are non-zero");
        }
    }

    /**
     * With activation checkpointing the trained tower's blocks keep no activations: they run again in the backward,
     * which therefore makes the ops of the tower's blocks more (counted by {@link OpCounter}) than the same backward with
     * the tower frozen. Checkpointing the language model alone would make the two equal.
     */
    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, trained", "qwen25vl-tiny, trained", "qwen3vl-tiny, trained",
        "qwen2vl-tiny, adapters", "qwen25vl-tiny, adapters", "qwen3vl-tiny, adapters"})
    void aCheckpointedTowerRunsItsBlocksAgainInTheBackward(String name, String tower) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        boolean adapters = tower.equals("adapters"); // against the same adapters on the language model only
        long trainedBackward;
        long frozenBackward;
        long towerForward;
        try (Policy p = ModelLoader.load(dir, adapters ? VisionLoraTest.allLinearWithTower() : trained())) {
            p.gradientCheckpointing(true);
            trainedBackward = backwardOps(p, prompt);
        }
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32,
                adapters ? new LoraConfig(4, 8, Set.of(LoraConfig.ALL_LINEAR_KEY)) : null, 0).withFreezeVision(true))) {
            p.gradientCheckpointing(true);
            frozenBackward = backwardOps(p, prompt);
            towerForward = towerOps(p, prompt);
        }
        // the tower's forward is its blocks plus some ops around them (patch embedding, rotary tables, masks, merger):
        // its blocks are 70-85 % of it in the tiny towers; a tower that is not checkpointed adds none
        long extra = trainedBackward - frozenBackward;
        assertTrue(extra * 2 >= towerForward, name + ": the backward ran " + extra + " ops more with the tower"
                + " trained; one forward of the tower is " + towerForward);
    }

    /** Ops made by a training forward's backward ({@link GroupLogProbs#backward}): the checkpointed layers run again. */
    private static long backwardOps(Policy p, Prompt prompt) {
        try (NativeScope s = NativeScope.open()) {
            GroupLogProbs lp = p.logProbs(prompt, COMPLETIONS);
            Tensor loss = objective(lp);
            OpCounter.start();
            lp.backward(loss);
            return OpCounter.stop().ops();
        }
    }

    /** Ops of one forward of the tower (no autograd) on the prompt's image. */
    private static long towerOps(Policy p, Prompt prompt) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            if (p instanceof QwenVlPolicy q) {
                List<ImageProcessor.Patches> image = List.of(q.encodePrompt(prompt).patches());
                OpCounter.start();
                q.model().encodeImages(image, null);
            } else {
                Qwen2VLPolicy q = (Qwen2VLPolicy) p;
                List<ImageProcessor.Patches> image = List.of(q.encodePrompt(prompt).patches());
                OpCounter.start();
                q.model().encodeImages(image, null);
            }
            return OpCounter.stop().ops();
        }
    }

    /** The gradients of every parameter after the objective's backward; the log-probs into {@code logProbs}. */
    private static List<double[]> gradients(Policy p, Prompt prompt, List<Parameter> params, List<float[]> logProbs) {
        for (Parameter q : params) {
            if (q.value().grad() != null) {
                q.value().zeroGrad();
            }
        }
        try (NativeScope s = NativeScope.open()) {
            GroupLogProbs lp = p.logProbs(prompt, COMPLETIONS);
            logProbs.add(lp.logProbs().detach().toFloats());
            lp.backward(objective(lp));
        }
        List<double[]> out = new ArrayList<>();
        for (Parameter q : params) {
            out.add(q.value().grad() == null ? new double[0] : q.value().grad().toDoubles());
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
        return ps.stream().filter(q -> isVision(q.name())).toList();
    }

    private static boolean isVision(String name) { // a tower weight, or an adapter on one (PEFT's prefixed names)
        return name.startsWith("visual.") || name.startsWith("model.visual.") || name.contains(".visual.");
    }

    private static float[] logProbs(Policy p, Prompt prompt) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            return p.logProbs(prompt, COMPLETIONS).logProbs().toFloats();
        }
    }
}
