package org.visualrft.train.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.DistBackend;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Rendezvous;
import org.visualrft.model.tensor.StoreServer;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.RolloutSeeding;

/**
 * A short GRPO run of the built-in model on CUDA as one rank of a c10d process group with NCCL (rendezvous over a
 * loopback TCPStore, the parameters broadcast, the metrics and the gradients all-reduced through NCCL) trains what the
 * same run trains without a process group. Skipped, with the reason printed, where no CUDA GPU is visible;
 * {@code -Dvrft.cuda.test.device=cpu} dry-runs it on the CPU over Gloo (NCCL moves CUDA tensors only).
 */
class CudaNcclRunTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void oneNcclRankTrainsWhatASingleProcessTrains(@TempDir Path dir) throws Exception {
        Device device = CudaTestDevice.orSkip(CudaNcclRunTest.class);
        DistBackend backend = DistBackend.forDevice(device);
        List<TrainingExample> data = TinyTask.examples(8, 2);

        GrpoConfig alone = DataParallelTest.grpo(dir.resolve("alone"), 4, "rollout_batch_groups: 2\n");
        float[][] single;
        float[][] initial;
        try (TinyVlm m = TinyTask.model(dir.resolve("m1"), 3, DType.F32, device)) {
            initial = DataParallelTest.weights(m);
            new GrpoTrainer(alone, data, DataParallelTest.rewarder(alone), null, QUIET, false, ProcessGroup.single(),
                    RolloutSeeding.PER_PROMPT).run(m, false, -1);
            single = DataParallelTest.weights(m);
        }

        GrpoConfig ranked = DataParallelTest.grpo(dir.resolve("rank"), 4, "rollout_batch_groups: 2\n");
        float[][] viaGroup;
        Duration timeout = Duration.ofSeconds(60);
        try (StoreServer store = StoreServer.start(1, timeout);
             ProcessGroup g = ProcessGroup.connect(new Rendezvous("127.0.0.1", store.port(), 0, 1, 0, backend,
                     device, timeout, true));
             TinyVlm m = TinyTask.model(dir.resolve("m2"), 3, DType.F32, device)) {
            new GrpoTrainer(ranked, data, DataParallelTest.rewarder(ranked), null, QUIET, false, g,
                    RolloutSeeding.PER_PROMPT).run(m, false, -1);
            viaGroup = DataParallelTest.weights(m);
        }
        System.out.println("CudaNcclRunTest on " + device + " over " + backend + ": 10 GRPO steps");
        boolean moved = false;
        for (int i = 0; i < single.length; i++) {
            moved |= !java.util.Arrays.equals(initial[i], single[i]);
        }
        assertTrue(moved, "training moved the weights");
        // one rank's collectives are the identity up to the backend's own arithmetic (a sum of one tensor)
        DataParallelTest.assertClose(single, viaGroup, 1e-6);
    }
}
