package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.Device;

/** Which GPU a rank uses: torchrun's contract, LOCAL_RANK picks the GPU on the rank's node (no GPU needed). */
class RankDeviceTest {
    private static Device map(String chosen, int localRank, int worldSize, int gpus) {
        return Runs.rankDevice(Device.parse(chosen), localRank, worldSize, () -> gpus);
    }

    @Test
    void bareCudaIsTheLocalRanksGpuOnEveryNode() {
        // two nodes of 4 GPUs: global ranks 4..7 are local ranks 0..3 of the second node
        for (int local = 0; local < 4; local++) {
            assertEquals(Device.cuda(local), map("cuda", local, 8, 4), "local rank " + local);
        }
        // nodes of 3 ranks on 4 GPUs each: global rank 3 is local rank 0 of the second node (rank % GPUs said cuda:3)
        assertEquals(Device.cuda(0), map("cuda", 0, 6, 4));
        assertEquals(Device.cuda(2), map("cuda:0", 2, 6, 4)); // cuda:0 is how a bare cuda is written
    }

    @Test
    void oneProcessOneVisibleGpuTheCpuAndAnExplicitGpuAreKept() {
        assertEquals(Device.cuda(0), map("cuda", 0, 1, 8)); // a single process
        assertEquals(Device.cuda(0), map("cuda", 3, 4, 1)); // CUDA_VISIBLE_DEVICES per rank: its one GPU
        assertEquals(Device.CPU, map("cpu", 3, 4, 8));
        assertEquals(Device.cuda(2), map("cuda:2", 3, 4, 8));
        int[] asked = {0};
        Runs.rankDevice(Device.CPU, 1, 2, () -> ++asked[0]);
        assertEquals(0, asked[0], "the GPUs are not counted for a CPU run");
    }

    @Test
    void aLocalRankWithoutAGpuIsAClearError() {
        BadInputException e = assertThrows(BadInputException.class, () -> map("cuda", 2, 3, 2));
        assertTrue(e.getMessage().contains("LOCAL_RANK 2 has no GPU of its own: 2 are visible"), e.getMessage());
    }
}
