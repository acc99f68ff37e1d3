package org.visualrft.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.config.ScheduleType;

class AdamWTest {
    static final double[][] GRADS = {{0.1, -0.2, 0.3}, {0.05, 0.4, -0.1}, {-0.3, 0.0, 0.2}};

    private static void step(AdamW opt, Tensor p, double[] grad) {
        try (NativeScope s = NativeScope.open()) {
            Tensor loss = p.mul(Tensor.fromDoubles(grad, 3).on(p.device())).sum(); // d loss / d p = grad
            opt.zeroGrad();
            loss.backward();
            opt.step(0.01);
        }
    }

    @Test
    void matchesTorchAdamW() {
        matchesTorchAdamW(Device.CPU);
    }

    /** Parameters, gradients and the optimiser's state on {@code device}. */
    static void matchesTorchAdamW(Device device) {
        // torch 1.13 AdamW(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), float64, these three gradients
        double[] want = {0.4826812519662487, -0.9935103543836423, 1.9739969403424882};
        Tensor p = Tensor.fromDoubles(new double[] {0.5, -1.0, 2.0}, 3).on(device).requiresGrad(true).persist();
        try (AdamW opt = new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.1)) {
            for (double[] g : GRADS) {
                step(opt, p, g);
            }
            // float64 throughout: libtorch's kernels (vector width, fused multiply-add) may round the last bits
            // differently on another CPU, so the bound is float64 rounding of a few dozen operations, not one ulp
            assertArrayEquals(want, p.toDoubles(), 1e-12);
            assertTrue(p.isOn(device), "the parameter stays on " + device);
        }
    }

    @Test
    void savedStateResumesExactly(@TempDir Path dir) throws Exception {
        savedStateResumesExactly(dir, Device.CPU);
    }

    static void savedStateResumesExactly(Path dir, Device device) throws Exception {
        Tensor a = Tensor.fromDoubles(new double[] {0.5, -1.0, 2.0}, 3).on(device).requiresGrad(true).persist();
        Tensor b = Tensor.fromDoubles(new double[] {0.5, -1.0, 2.0}, 3).on(device).requiresGrad(true).persist();
        try (AdamW straight = new AdamW(List.of(a), 0.9, 0.999, 1e-8, 0.1);
                AdamW first = new AdamW(List.of(b), 0.9, 0.999, 1e-8, 0.1)) {
            for (double[] g : GRADS) {
                step(straight, a, g);
            }
            step(first, b, GRADS[0]);
            first.save(dir.resolve("opt.safetensors"));
            try (AdamW resumed = new AdamW(List.of(b), 0.9, 0.999, 1e-8, 0.1)) {
                resumed.load(dir.resolve("opt.safetensors"));
                assertEquals(1, resumed.stepCount());
                step(resumed, b, GRADS[1]);
                step(resumed, b, GRADS[2]);
            }
            assertArrayEquals(a.toDoubles(), b.toDoubles(), 0.0);
        }
    }

    @Test
    void stateOfAnotherModelIsRefusedBeforeAnythingIsCopied(@TempDir Path dir) throws Exception {
        Tensor small = Tensor.fromDoubles(new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true).persist();
        Tensor big = Tensor.fromDoubles(new double[] {0.5, -1.0, 2.0, 3.0}, 4).requiresGrad(true).persist();
        Tensor other = Tensor.fromDoubles(new double[] {1.0, 2.0, 3.0}, 3).requiresGrad(true).persist();
        // parameter 0 matches, parameter 1 does not: loading must not copy parameter 0's state first
        try (AdamW a = new AdamW(List.of(other, small), 0.9, 0.999, 1e-8, 0.1);
                AdamW b = new AdamW(List.of(other, big), 0.9, 0.999, 1e-8, 0.1)) {
            step(a, small, GRADS[0]);
            a.save(dir.resolve("a.safetensors"));
            try (NativeScope s = NativeScope.open()) {
                Tensor loss = big.mul(Tensor.fromDoubles(new double[] {0.1, 0.2, 0.3, 0.4}, 4)).sum()
                        .add(other.sum());
                b.zeroGrad();
                loss.backward();
                b.step(0.01);
            }
            b.save(dir.resolve("before.safetensors"));
            BadInputException e = assertThrows(BadInputException.class, () -> b.load(dir.resolve("a.safetensors")));
            assertEquals("optimiser state of parameter 1 does not match the model", e.fault());
            b.save(dir.resolve("after.safetensors"));
            assertArrayEquals(Files.readAllBytes(dir.resolve("before.safetensors")),
                    Files.readAllBytes(dir.resolve("after.safetensors")), "nothing was copied");
        }
    }

    /**
     * A bf16 parameter is the rounded copy of a float32 master: updates of 1e-3 a step, below bf16's half-step at 1.0
     * (2^-9), would leave a bf16 weight at 1.0 for ever; with the master they add up, and the parameter equals the
     * float32 twin's weights rounded to bf16 at every step. The master is saved and resumed exactly.
     */
    @Test
    void bf16ParametersKeepFloat32MasterWeights(@TempDir Path dir) throws Exception {
        bf16ParametersKeepFloat32MasterWeights(dir, Device.CPU);
    }

    static void bf16ParametersKeepFloat32MasterWeights(Path dir, Device device) throws Exception {
        double[] ones = {1.0, 1.0, 1.0};
        double[] g = {0.5, 0.25, -0.5};
        Tensor low = Tensor.fromDoubles(ones, 3).to(device, DType.BF16).requiresGrad(true).persist();
        Tensor twin = Tensor.fromDoubles(ones, 3).to(device, DType.F32).requiresGrad(true).persist();
        Tensor resumedLow = Tensor.fromDoubles(ones, 3).to(device, DType.BF16).requiresGrad(true).persist();
        try (AdamW a = new AdamW(List.of(low), 0.9, 0.999, 1e-8, 0.0);
                AdamW b = new AdamW(List.of(twin), 0.9, 0.999, 1e-8, 0.0);
                AdamW c = new AdamW(List.of(resumedLow), 0.9, 0.999, 1e-8, 0.0)) {
            for (int i = 0; i < 20; i++) {
                stepWith(a, low, g, 1e-3);
                stepWith(b, twin, g, 1e-3);
                assertArrayEquals(twin.to(DType.BF16).toDoubles(), low.toDoubles(), 0.0, "step " + i);
                if (i < 10) {
                    stepWith(c, resumedLow, g, 1e-3);
                }
                if (i == 9) {
                    c.save(dir.resolve("opt.safetensors"));
                }
            }
            double[] got = low.toDoubles();
            for (int j = 0; j < 3; j++) {
                assertEquals(1.0 - 0.02 * Math.signum(g[j]), got[j], 0.004, "weight " + j + " moved by 20 × 1e-3");
            }
        }
        try (AdamW c = new AdamW(List.of(resumedLow), 0.9, 0.999, 1e-8, 0.0)) {
            c.load(dir.resolve("opt.safetensors"));
            for (int i = 10; i < 20; i++) {
                stepWith(c, resumedLow, g, 1e-3);
            }
            assertArrayEquals(low.toDoubles(), resumedLow.toDoubles(), 0.0, "resumed from the saved master");
        }
    }

    private static void stepWith(AdamW opt, Tensor p, double[] grad, double lr) {
        try (NativeScope s = NativeScope.open()) {
            Tensor loss = p.mul(Tensor.fromDoubles(grad, 3).to(p.device(), p.dtype())).sum();
            opt.zeroGrad();
            loss.backward();
            opt.step(lr);
        }
    }

    @Test
    void gradClipMatchesTorch() {
        Tensor a = Tensor.fromDoubles(new double[] {3.0, 4.0}, 2).requiresGrad(true);
        a.mul(Tensor.fromDoubles(new double[] {3.0, 4.0}, 2)).sum().backward();
        assertEquals(5.0, GradClip.clip(List.of(a), 1.0), 1e-12);
        assertArrayEquals(new double[] {0.599999880000024, 0.799999840000032}, a.grad().toDoubles(), 1e-12);
        assertEquals(1.0, GradClip.clip(List.of(a), 10.0), 1e-6); // under the limit: untouched
    }

    @Test
    void gradClipNormIsTheFloat64SumOverParametersInOrder() {
        // many parameters of mixed dtypes and sizes, one without a gradient: the norm read back once must be the host
        // loop's sequential float64 sum to the bit (a summation in another order would differ in the last bits)
        java.util.Random rnd = new java.util.Random(7);
        List<Tensor> params = new java.util.ArrayList<>();
        double sq = 0;
        for (int i = 0; i < 40; i++) {
            int n = 1 + rnd.nextInt(300);
            double[] g = new double[n];
            for (int j = 0; j < n; j++) {
                g[j] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3);
            }
            DType dtype = i % 3 == 0 ? DType.F64 : i % 3 == 1 ? DType.F32 : DType.BF16;
            Tensor p = Tensor.zeros(dtype, n).requiresGrad(true);
            p.mul(Tensor.fromDoubles(g, n).to(dtype)).sum().backward();
            sq += p.grad().to(DType.F64).square().sum().item();
            params.add(p);
        }
        params.add(1, Tensor.zeros(DType.F32, 4).requiresGrad(true)); // no gradient: skipped
        assertEquals(Math.sqrt(sq), GradClip.clip(params, 0), 0.0);
    }

    @Test
    void schedulesFollowHuggingFace() {
        LrSchedule lin = new LrSchedule(ScheduleType.LINEAR, 1e-6, 0, 25);
        assertEquals(1.2e-7, lin.at(22), 1e-20); // issue #97's log: lr 1.2e-7 at step 22 of 25
        LrSchedule warm = new LrSchedule(ScheduleType.COSINE, 1.0, 10, 110);
        assertEquals(0.0, warm.at(0));
        assertEquals(0.5, warm.at(5), 1e-15);
        assertEquals(1.0, warm.at(10), 1e-15);
        assertEquals(0.5, warm.at(60), 1e-15);
        assertEquals(0.0, warm.at(110), 1e-15);
        assertEquals(0.3, new LrSchedule(ScheduleType.CONSTANT, 0.3, 0, 5).at(4));
        LrSchedule flat = new LrSchedule(ScheduleType.CONSTANT_WITH_WARMUP, 2.0, 4, 20);
        assertEquals(1.0, flat.at(2), 1e-15);
        assertEquals(2.0, flat.at(4));
        assertEquals(2.0, flat.at(19));
        // cosine_with_min_lr, min_lr_rate 0.1 (open-r1's recipes): factor = cos part · 0.9 + 0.1
        LrSchedule floor = new LrSchedule(ScheduleType.COSINE_WITH_MIN_LR, 1.0, 10, 110, 0.1);
        assertEquals(0.5, floor.at(5), 1e-15);
        assertEquals(1.0, floor.at(10), 1e-15);
        assertEquals(0.55, floor.at(60), 1e-15);
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), floor.at(35), 1e-15);
        assertEquals(0.1, floor.at(110), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(ScheduleType.CONSTANT, 1.0, 3, 10));
    }
}
