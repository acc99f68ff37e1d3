package org.visualrft.train.optim;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;

/**
 * {@link AdamWTest} with the parameters, gradients and the optimiser's state (moments, float32 masters) on CUDA:
 * torch's AdamW within 1e-12 in float64, bf16 parameters kept as rounded float32 masters, and a state saved from the
 * GPU that resumes exactly. Skipped, with the reason printed, where no CUDA GPU is visible;
 * {@code -Dvrft.cuda.test.device=cpu} dry-runs it on the CPU.
 */
class CudaAdamWTest {
    static final Device GPU = CudaTestDevice.device();

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaAdamWTest.class);
    }

    @Test
    void matchesTorchAdamWOnCuda() {
        AdamWTest.matchesTorchAdamW(GPU);
    }

    @Test
    void stateSavedFromCudaResumesExactly(@TempDir Path dir) throws Exception {
        AdamWTest.savedStateResumesExactly(dir, GPU);
    }

    @Test
    void bf16ParametersOnCudaKeepFloat32MasterWeights(@TempDir Path dir) throws Exception {
        AdamWTest.bf16ParametersKeepFloat32MasterWeights(dir, GPU);
    }
}
