package org.visualrft.model.sampling;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;

/**
 * The sampling oracle (Hugging Face's penalty, temperature, top-k with its ties, top-p and min-p; 1e-6 per token) with
 * the device sampler on CUDA, as the static engine's CUDA graph samples. Skipped, with the reason printed, where no
 * CUDA GPU is visible.
 */
class CudaSamplingOracleTest {
    /** cuda:0; {@code -Dvrft.cuda.test.device=cpu} dry-runs the test's own logic on the CPU (no GPU needed). */
    static final Device GPU = CudaTestDevice.device();

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaSamplingOracleTest.class);
    }

    @Test
    void deviceSamplerDrawsFromTheOracleDistributionOnCuda() throws IOException {
        SamplingOracleTest.checkDeviceSampler(GPU);
    }
}
