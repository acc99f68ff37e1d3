package org.visualrft.train.grpo;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;

/**
 * The GRPO loss oracle (float64: loss, mean KL, d loss / d logp within 1e-9 relative) with every tensor on CUDA.
 * Skipped, with the reason printed, where no CUDA GPU is visible.
 */
class CudaGrpoLossOracleTest {
    /** cuda:0; {@code -Dvrft.cuda.test.device=cpu} dry-runs the test's own logic on the CPU (no GPU needed). */
    static final Device GPU = CudaTestDevice.device();

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaGrpoLossOracleTest.class);
    }

    @TestFactory
    Stream<DynamicTest> everyOracleCaseOnCuda() throws IOException {
        return GrpoLossOracleTest.cases().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                () -> GrpoLossOracleTest.check(p, GPU)));
    }
}
