package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void createsConvertsAndReshapes() {
        try (NativeScope s = NativeScope.open()) {
            Tensor x = Tensor.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertArrayEquals(new long[] {2, 3}, x.shape());
            assertEquals(DType.F32, x.dtype());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, x.transpose(0, 1).toFloats());
            assertArrayEquals(new float[] {2, 3, 5, 6}, x.narrow(1, 1, 2).toFloats());
            assertArrayEquals(new long[] {0, 1, 2}, Tensor.arange(3).toLongs());
            assertArrayEquals(new int[] {7, 8}, Tensor.fromInts(new int[] {7, 8}).toInts());
            assertArrayEquals(new float[] {5, 7, 9}, x.sum(0, false).toFloats());
            assertArrayEquals(new long[] {2, 2}, x.argmax(1, false).toLongs());
            assertArrayEquals(new float[] {3, 6}, x.max(1, false).toFloats());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6},
                    Tensor.cat(List.of(x, x), 0).toFloats());
            assertArrayEquals(new long[] {2, 2, 3}, Tensor.stack(List.of(x, x), 0).shape());
            assertArrayEquals(new float[] {4, 5, 6}, x.indexSelect(0, Tensor.fromLongs(new long[] {1})).toFloats());
            assertArrayEquals(new float[] {2, 6}, x.gather(1, Tensor.fromLongs(new long[] {1, 2}, 2, 1)).toFloats());
            Tensor m = x.gt(3.5);
            assertArrayEquals(new float[] {1, 2, 3, -1, -1, -1}, x.maskedFill(m, -1).toFloats());
            assertArrayEquals(new float[] {0, 0, 0, 4, 5, 6}, Tensor.where(m, x, 0).toFloats());
            // broadcasting [2,3] + [3]
            assertArrayEquals(new float[] {2, 4, 6, 5, 7, 9},
                    x.add(Tensor.fromFloats(new float[] {1, 2, 3})).toFloats());
            float[] sm = x.softmax(1).sum(1, false).toFloats();
            assertEquals(1.0, sm[0], 1e-6);
            assertEquals(Math.log(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3))),
                    x.logSoftmax(1).toDoubles()[0], 1e-6);
            assertEquals(DType.BF16, x.to(DType.BF16).dtype());
            assertThrows(IllegalArgumentException.class, () -> Tensor.fromFloats(new float[] {1, 2}, 3));
        }
    }

    @Test
    void seededRandomRepeats() {
        try (NativeScope s = NativeScope.open(); Generator g1 = Generator.seeded(7); Generator g2 = Generator.seeded(7)) {
            assertArrayEquals(Tensor.randn(g1, DType.F32, 5).toFloats(), Tensor.randn(g2, DType.F32, 5).toFloats());
        }
    }

    @Test
    void gradientsAndNoGrad() {
        try (NativeScope s = NativeScope.open()) {
            Tensor w = Tensor.fromDoubles(new double[] {1, 2, 3}).requiresGrad(true);
            w.mul(w).sum().backward(); // d/dw sum(w^2) = 2w
            assertArrayEquals(new double[] {2, 4, 6}, w.grad().toDoubles(), 0);
            w.zeroGrad();
            assertArrayEquals(new double[] {0, 0, 0}, w.grad().toDoubles(), 0);
            try (Tensor.GradMode g = Tensor.noGrad()) {
                assertTrue(!w.mul(2).requiresGrad());
            }
            assertTrue(w.mul(2).requiresGrad());
            assertNull(Tensor.fromDoubles(new double[] {1}).requiresGrad(true).grad());
        }
    }

    @Test
    void clearedGradientIsDroppedNotZeroed() {
        try (NativeScope s = NativeScope.open()) {
            Tensor w = Tensor.fromDoubles(new double[] {1, 2, 3}).requiresGrad(true);
            w.mul(w).sum().backward();
            w.clearGrad();
            assertNull(w.grad()); // no gradient left, where zeroGrad keeps a tensor of zeros
            w.mul(3).sum().backward(); // a new gradient, nothing added to the dropped one
            assertArrayEquals(new double[] {3, 3, 3}, w.grad().toDoubles(), 0);
            w.clearGrad();
            w.clearGrad();
            assertNull(w.grad());
            Tensor never = Tensor.fromDoubles(new double[] {1});
            never.clearGrad();
            assertNull(never.grad());
        }
    }

    @Test
    void keptTensorOutlivesItsScope() {
        Tensor kept;
        try (NativeScope outer = NativeScope.open()) {
            try (NativeScope inner = NativeScope.open()) {
                kept = inner.keep(Tensor.fromFloats(new float[] {3, 4}).mul(2));
            }
            assertArrayEquals(new float[] {6, 8}, kept.toFloats());
        }
        Tensor persisted;
        try (NativeScope s = NativeScope.open()) {
            persisted = Tensor.fromFloats(new float[] {1}).persist();
        }
        assertArrayEquals(new float[] {1}, persisted.toFloats());
        persisted.close();
    }

    @Test
    void fusedAttentionWithGroupedHeadsMatchesManual() {
        try (NativeScope s = NativeScope.open(); Generator g = Generator.seeded(1)) {
            Tensor q = Tensor.randn(g, DType.F64, 1, 4, 5, 8);
            Tensor k = Tensor.randn(g, DType.F64, 1, 2, 5, 8);
            Tensor v = Tensor.randn(g, DType.F64, 1, 2, 5, 8);
            Tensor fused = Tensor.scaledDotProductAttention(q, k, v, null, true, true);
            Tensor kk = k.unsqueeze(2).expand(1, 2, 2, 5, 8).reshape(1, 4, 5, 8);
            Tensor vv = v.unsqueeze(2).expand(1, 2, 2, 5, 8).reshape(1, 4, 5, 8);
            Tensor scores = q.matmul(kk.transpose(-2, -1)).div(Math.sqrt(8));
            Tensor upper = Tensor.ones(DType.BOOL, 5, 5);
            Tensor causalMask = Tensor.arange(5).unsqueeze(0).gt(Tensor.arange(5).unsqueeze(1));
            Tensor manual = scores.maskedFill(causalMask, Double.NEGATIVE_INFINITY).softmax(-1).matmul(vv);
            assertArrayEquals(manual.toDoubles(), fused.toDoubles(), 1e-12);
            assertEquals(25, upper.sum().item());
            Tensor rms = Tensor.fromDoubles(new double[] {3, 4}).rmsNorm(Tensor.ones(DType.F64, 2), 0);
            assertArrayEquals(new double[] {3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)}, rms.toDoubles(), 1e-12);
        }
    }

    /** allFinite: NaN and infinities anywhere, in each float dtype; a finite tensor whose sum overflows is finite. */
    @Test
    void allFiniteFindsNanAndInfinitiesButNotAnOverflowingSum() {
        try (NativeScope s = NativeScope.open(); Generator g = Generator.seeded(4)) {
            for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16, DType.F64}) {
                Tensor x = Tensor.randn(g, DType.F32, 1000, 37).to(d);
                assertTrue(x.allFinite(), d.toString());
                for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    for (long at : new long[] {0, 12345, 36999}) {
                        Tensor y = x.reshape(-1).copy();
                        y.slice(0, at, at + 1, 1).fill_(bad);
                        org.junit.jupiter.api.Assertions.assertFalse(y.allFinite(), d + " " + bad + " at " + at);
                    }
                }
            }
            Tensor big = Tensor.full(3.0e38, DType.F32, 4); // finite values whose float32 sum is +inf
            assertTrue(big.allFinite());
            assertTrue(Tensor.fromLongs(new long[] {1, 2}, 2).allFinite(), "integers are finite");
        }
    }
}
