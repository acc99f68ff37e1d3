package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EngineSmokeTest {
    @Test
    void libtorchLoadsMultipliesAndDifferentiates() {
        Engine.SelfCheck check = Engine.selfCheck();
        assertTrue(check.matmulOk(), check.detail());
        assertTrue(check.backwardOk(), check.detail());
    }

    @Test
    void reportsVersionAndThreads() {
        assertTrue(Engine.libtorchVersion().startsWith("2."), Engine.libtorchVersion());
        assertTrue(Engine.threads() >= 1);
    }

    @Test
    void tensorRoundTrip() {
        double[] v = {0.5, -1.25, 3e-300, Double.MAX_VALUE, 7, 8};
        assertArrayEquals(v, Tensor.fromDoubles(v, 2, 3).toDoubles(), 0.0);
    }
}
