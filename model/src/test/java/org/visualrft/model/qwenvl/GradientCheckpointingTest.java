package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Activation checkpointing ({@link Policy#gradientCheckpointing}) of the three Qwen families, float32 on the CPU: a
 * weighted loss over the teacher-forced log-probs of a group (single prompt) and of an SFT batch (two prompts) gives
 * the same loss and the same gradient on every trainable tensor as the plain backward (within float32 rounding of
 * the accumulation order), with LoRA (trained-looking adapters) and with full fine-tuning, where the gradient must
 * also reach the embedding through the stack's input; and the forward then really keeps no graph through the layers.
 */
class GradientCheckpointingTest {
    @TempDir
    Path tmp;

    /** Relative to the largest gradient entry: float32 sums taken in another order. */
    static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @CsvSource({"qwen2vl-tiny, lora", "qwen2vl-tiny, full", "qwen25vl-tiny, lora", "qwen25vl-tiny, full",
        "qwen3vl-tiny, lora", "qwen3vl-tiny, full"})
    void theGradientsAreThoseOfThePlainBackward(String name, String mode) throws Exception {
        checkGradients(tmp, name, mode, Device.CPU);
    }

    /**
     * The check of {@link #theGradientsAreThoseOfThePlainBackward} for oracle folder {@code name}, LoRA or full
     * fine-tuning ({@code mode}), on {@code device} (also run on a GPU by {@code CudaQwenVlTest}).
     */
    static void checkGradients(Path tmp, String name, String mode, Device device) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name + "-" + mode)),
                QwenVlPolicyTest.fixture(name));
        LoraConfig lora = mode.equals("lora")
                ? new LoraConfig(4, 8, Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"))
                : null;
        try (Policy p = ModelLoader.load(dir, new LoadOptions(device, DType.F32, lora, 3))) {
            if (lora != null) {
                try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(11)) {
                    for (Parameter t : p.trainableParameters()) {
                        if (t.name().contains("lora_B")) {
                            t.value().copy_(Tensor.randn(gen, DType.F32, t.value().shape()).mul(0.05).on(device));
                        }
                    }
                }
            }
            Prompt a = QwenVlPolicyTest.prompt(name);
            Prompt b = new Prompt(a.image(), "Where is the cat ?");
            List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17}, new int[] {1, 2, 3, 4, 5, 6});
            for (boolean batch : new boolean[] {false, true}) {
                String where = name + " " + mode + (batch ? " SFT batch" : " group");
                p.gradientCheckpointing(false);
                Result plain = lossAndGradients(p, batch, a, b, group, false);
                p.gradientCheckpointing(true);
                Result checkpointed = lossAndGradients(p, batch, a, b, group, true);
                assertEquals(plain.loss, checkpointed.loss, 1e-6 * Math.abs(plain.loss), where + ": loss");
                assertEquals(plain.grads.keySet(), checkpointed.grads.keySet());
                int nonZero = 0;
                for (String k : plain.grads.keySet()) {
                    float[] x = plain.grads.get(k);
                    float[] y = checkpointed.grads.get(k);
                    double scale = 0;
                    for (float v : x) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    nonZero += scale > 0 ? 1 : 0;
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(x[i], y[i], TOLERANCE * Math.max(scale, 1e-12), where + ": " + k + "[" + i + "]");
                    }
                }
                // the comparison means something only where gradients flow: every adapter, every trained weight
                // the loss reaches (the vision tower is frozen; full fine-tuning's embedding comes last, through the
                // stack's input)
                assertTrue(nonZero >= plain.grads.size() * 9 / 10, where + ": " + nonZero + " of "
                        + plain.grads.size() + " gradients are non-zero");
                if (lora == null) {
                    String embed = plain.grads.keySet().stream().filter(k -> k.contains("embed_tokens")).findFirst()
                            .orElseThrow();
                    float max = 0;
                    for (float v : checkpointed.grads.get(embed)) {
                        max = Math.max(max, Math.abs(v));
                    }
                    assertTrue(max > 0, where + ": the embedding gets its gradient through the checkpointed stack");
                }
            }
        }
    }

    private record Result(double loss, Map<String, float[]> grads) {
    }

    /** A fixed weighted sum of the log-probs, backpropagated through {@link GroupLogProbs#backward}. */
    private static Result lossAndGradients(Policy p, boolean batch, Prompt a, Prompt b, List<int[]> group,
                                           boolean checkpointed) {
        for (Parameter t : p.trainableParameters()) {
            t.value().zeroGrad();
        }
        double loss;
        try (NativeScope s = NativeScope.open()) {
            GroupLogProbs lp = batch ? p.logProbs(List.of(a, b), List.of(group.get(0), group.get(2)))
                    : p.logProbs(a, group);
            if (checkpointed) {
                assertNotNull(lp.checkpointed(), "the layers are checkpointed");
            } else {
                assertNull(lp.checkpointed());
            }
            long[] shape = lp.logProbs().shape();
            float[] w = new float[(int) (shape[0] * shape[1])];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) Math.sin(1.0 + i); // weights of both signs, like advantages
            }
            Tensor l = lp.logProbs().mul(lp.mask()).mul(Tensor.fromFloats(w, shape).on(lp.logProbs().device())).sum();
            loss = l.item();
            lp.backward(l);
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Parameter t : p.trainableParameters()) {
            Tensor g = t.value().grad();
            grads.put(t.name(), g == null ? new float[0] : g.toFloats());
        }
        return new Result(loss, grads);
    }

    /** Without autograd (the reference, sampling) and on the frozen copy nothing is checkpointed. */
    @Test
    void onlyATrainingForwardIsCheckpointed() throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("m")), QwenVlPolicyTest.fixture("qwen25vl-tiny"));
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, null, 0))) {
            p.gradientCheckpointing(true);
            Prompt a = QwenVlPolicyTest.prompt("qwen25vl-tiny");
            List<int[]> group = List.of(new int[] {5, 9, 303});
            try (NativeScope s = NativeScope.open()) {
                try (Tensor.GradMode ng = Tensor.noGrad()) {
                    assertNull(p.logProbs(a, group).checkpointed());
                }
                try (Policy ref = p.frozenCopy()) {
                    assertNull(ref.logProbs(a, group).checkpointed());
                }
                assertNotNull(p.logProbs(a, group).checkpointed());
            }
        }
    }
}
