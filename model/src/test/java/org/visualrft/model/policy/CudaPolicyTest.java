package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Every Qwen family opened through {@link ModelLoader} on cuda with LoRA, as a training run opens it, against the same
 * folder on the CPU: teacher-forced log-probs of a group and of a batch of prompts (SFT's call) within 1e-4 relative,
 * computed on the GPU; gradients reach the adapters there; sampled rollouts carry the log-probs teacher forcing gives
 * them. Skipped, with the reason printed, where no CUDA GPU is visible; {@code -Dvrft.cuda.test.device=cpu} dry-runs
 * it on the CPU.
 */
class CudaPolicyTest {
    static final Device GPU = CudaTestDevice.device();

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaPolicyTest.class);
    }

    static double relError(float[] got, float[] want) {
        assertEquals(want.length, got.length);
        double d = 0;
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[i] - want[i]));
            m = Math.max(m, Math.abs(want[i]));
        }
        return d / m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void loraPolicyOnCudaScoresAsOnTheCpu(String name, @TempDir Path tmp) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), fixture);
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "gate_proj", "down_proj"));
        Prompt a = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        Prompt b = new Prompt(Image.read(fixture.resolve("image_b.png")), "What is the image ?");
        List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17});
        try (Policy cpu = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, lora, 5));
             Policy gpu = ModelLoader.load(dir, new LoadOptions(GPU, DType.F32, lora, 5))) {
            assertEquals(GPU, gpu.device());
            for (Parameter p : gpu.parameters()) {
                assertTrue(p.value().isOn(GPU), p.name() + " on " + GPU);
            }
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                GroupLogProbs lg = gpu.logProbs(a, group);
                assertTrue(lg.logProbs().isOn(GPU) && lg.mask().isOn(GPU), "group log-probs on " + GPU);
                double e = relError(lg.logProbs().toFloats(), cpu.logProbs(a, group).logProbs().toFloats());
                assertTrue(e < 1e-4, name + ": group log-probs, max|Δ|/max|ref| = " + e);
                GroupLogProbs lb = gpu.logProbs(List.of(a, b), group);
                assertTrue(lb.logProbs().isOn(GPU) && lb.mask().isOn(GPU), "batch log-probs on " + GPU);
                e = relError(lb.logProbs().toFloats(), cpu.logProbs(List.of(a, b), group).logProbs().toFloats());
                assertTrue(e < 1e-4, name + ": batch log-probs, max|Δ|/max|ref| = " + e);
            }
            try (NativeScope s = NativeScope.open()) {
                GroupLogProbs lb = gpu.logProbs(List.of(a, b), group);
                lb.logProbs().mul(lb.mask()).sum().backward();
                for (Parameter p : gpu.trainableParameters()) {
                    assertNotNull(p.value().grad(), p.name() + " has a gradient");
                    assertTrue(p.value().grad().isOn(GPU), p.name() + " gradient on " + GPU);
                }
            }
            List<Rollout> rollouts = gpu.generate(a, 3, SamplingParams.visualRft(6), new Random(2));
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                for (Rollout r : rollouts) {
                    float[] tf = gpu.logProbs(a, List.of(r.tokens())).logProbs().toFloats();
                    for (int t = 0; t < r.length(); t++) {
                        assertEquals(tf[t], r.logProbs()[t], 1e-3, name + ": sampled token " + t + " log-prob");
                    }
                }
            }
            try (Policy ref = gpu.frozenCopy(); NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                assertEquals(GPU, ref.device());
                assertTrue(ref.logProbs(a, group).logProbs().isOn(GPU), "reference scores on " + GPU);
            }
        }
    }

    /**
     * Full fine-tuning with the vision tower trained (freeze_vision_modules: false, the trainer's default) on cuda:
     * every weight's gradient, the tower's included, within 1e-3 of the CPU's (relative to the tensor's largest).
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void aTrainedVisionTowerTakesOnCudaTheGradientItTakesOnTheCpu(String name, @TempDir Path tmp) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), fixture);
        Prompt a = new Prompt(Image.read(fixture.resolve("image_a.png")), "What is in the image ?");
        List<int[]> group = List.of(new int[] {5, 9, 303}, new int[] {17});
        try (Policy cpu = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, null, 0).withFreezeVision(false));
             Policy gpu = ModelLoader.load(dir, new LoadOptions(GPU, DType.F32, null, 0).withFreezeVision(false))) {
            List<Parameter> pc = cpu.trainableParameters();
            List<Parameter> pg = gpu.trainableParameters();
            assertEquals(pc.size(), pg.size());
            assertTrue(pg.stream().anyMatch(p -> p.name().contains("visual.")), "the tower trains");
            for (Policy p : List.of(cpu, gpu)) {
                try (NativeScope s = NativeScope.open()) {
                    GroupLogProbs lp = p.logProbs(a, group);
                    lp.logProbs().mul(lp.mask()).sum().backward();
                }
            }
            for (int i = 0; i < pc.size(); i++) {
                assertNotNull(pg.get(i).value().grad(), pg.get(i).name() + " has a gradient");
                // (Qwen3-VL's last DeepStack merger feeds image positions after the last layer, which no scored
                // completion token reads: its gradient is exactly zero on both devices)
                float[] want = pc.get(i).value().grad().toFloats();
                float[] got = pg.get(i).value().grad().toFloats();
                double e = java.util.Arrays.equals(want, new float[want.length]) ? maxAbs(got) : relError(got, want);
                assertTrue(e < 1e-3, name + ": " + pg.get(i).name() + " gradient, max|Δ|/max|ref| = " + e);
            }
        }
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
