package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The op counter tells kernels (new storage, in place) from views, and counts nothing while off. */
class OpCounterTest {
    @Test
    void counterTellsViewsFromOps() {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            Tensor x = Tensor.zeros(DType.F32, 4, 6);
            OpCounter.start();
            Tensor v = x.narrow(0, 1, 2).view(12);
            Tensor y = x.add(x);
            y.add_(1.0);
            OpCounter.Counts c = OpCounter.stop();
            assertEquals(new OpCounter.Counts(2, 2), c);
            x.add(v.sum()); // not counted: the counter is off
            assertEquals(c, OpCounter.snapshot());
        }
    }
}
