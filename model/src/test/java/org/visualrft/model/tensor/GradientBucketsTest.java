package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class GradientBucketsTest {
    private static org.bytedeco.pytorch.Tensor grad(DType dtype, long n) {
        return Tensor.zeros(dtype, n).raw();
    }

    private static List<Integer> sizes(List<List<org.bytedeco.pytorch.Tensor>> buckets) {
        return buckets.stream().map(List::size).toList();
    }

    @Test
    void gradientsOfOneDtypeShareABucketUpToTheLimit() {
        try (NativeScope s = NativeScope.open()) {
            // each call to scalar_type() returns a fresh enum object: a bucket must still hold many tensors
            List<org.bytedeco.pytorch.Tensor> g = List.of(grad(DType.F32, 10), grad(DType.F32, 20),
                    grad(DType.F32, 30), grad(DType.F32, 40));
            assertEquals(List.of(4), sizes(GradientBuckets.plan(g, 1 << 20)));
            // 40 + 80 bytes fit in 160; adding 120 would not; 120 + 160 would not either
            assertEquals(List.of(2, 1, 1), sizes(GradientBuckets.plan(g, 160)));
        }
    }

    @Test
    void aDtypeChangeOrATensorOverTheLimitStartsANewBucket() {
        try (NativeScope s = NativeScope.open()) {
            List<org.bytedeco.pytorch.Tensor> g = List.of(grad(DType.F32, 4), grad(DType.F32, 4),
                    grad(DType.F64, 4), grad(DType.F64, 4), grad(DType.F32, 4), grad(DType.F32, 1000),
                    grad(DType.F32, 4));
            assertEquals(List.of(2, 2, 1, 1, 1), sizes(GradientBuckets.plan(g, 1000)));
        }
    }
}
