package org.visualrft.train;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;

/**
 * {@link ShortRunTest}'s run with the built-in model on CUDA: SFT, then a short GRPO run (rollouts decoded on the
 * GPU, reference and policy log-probs, the loss and AdamW's state all there) raises the mean reward as it does on
 * the CPU. Skipped, with the reason printed, where no CUDA GPU is visible. {@code -Dvrft.cuda.test.device=cpu} with
 * {@code -Dvrft.sampling.on_device=true} dry-runs it on the CPU with the GPU's sampling path.
 */
class CudaShortRunTest {
    @Test
    void grpoOnCudaRaisesTheMeanRewardOfAPartlyRightModel(@TempDir Path dir) throws Exception {
        Device device = CudaTestDevice.orSkip(CudaShortRunTest.class);
        ShortRunTest.sftThenGrpoRaisesTheReward(dir, device);
    }
}
