package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The in-place ops the fused decode step is built from give what their out-of-place forms give. */
class InPlaceOpsTest {
    @Test
    void addLinearAccumulatesAProjectionOfAStridedInput() {
        try (Generator gen = Generator.seeded(3); NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            Tensor x = Tensor.randn(gen, DType.F32, 4, 5);
            Tensor wide = Tensor.randn(gen, DType.F32, 4, 14);
            Tensor a = wide.narrow(1, 0, 7); // rows 14 apart, as the gate half of a gate/up projection
            Tensor w = Tensor.randn(gen, DType.F32, 5, 7);
            float[] want = x.add(Tensor.linear(a, w, null)).toFloats();
            Tensor y = x.copy();
            assertArrayEquals(want, y.addLinear_(a, w).toFloats(), 1e-5f);
            assertArrayEquals(want, y.toFloats(), 1e-5f);
        }
    }

    @Test
    void siluAndProductsInPlace() {
        try (Generator gen = Generator.seeded(4); NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            Tensor gu = Tensor.randn(gen, DType.F32, 3, 8);
            float[] want = gu.narrow(1, 0, 4).silu().mul(gu.narrow(1, 4, 4)).toFloats();
            Tensor act = gu.narrow(1, 0, 4).silu_().mul_(gu.narrow(1, 4, 4));
            assertArrayEquals(want, act.toFloats(), 0f);
            Tensor acc = Tensor.randn(gen, DType.F32, 3, 4);
            Tensor b = Tensor.randn(gen, DType.F32, 3, 4);
            Tensor c = Tensor.randn(gen, DType.F32, 1, 4);
            float[] sum = acc.add(b.mul(c).mul(0.5)).toFloats();
            assertArrayEquals(sum, acc.addcmul_(b, c, 0.5).toFloats(), 1e-6f);
        }
    }
}
