// Optimiser-state memory per rank under ZeRO stage 1 (zero_stage: 1) for full fine-tuning of real Qwen2-VL shapes:
// the plan the trainer uses (train.optim.OptimizerShards, through TrainingMemory) over the trained weights (every weight, the default; or the
// language model alone with freeze_vision_modules: true), and AdamW's 12 bytes per bf16 parameter (two float32 moments and a float32 master). Computed from
// the shapes, no weights allocated; that each rank allocates exactly its share is checked by OptimizerShardsTest and
// DataParallelTest. Usage: bench/train/zero-plan.sh [config.json ...]
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.visualrft.model.qwen2vl.Qwen2VLConfig;
import org.visualrft.model.qwen2vl.RandomWeights;
import org.visualrft.model.tensor.DType;
import org.visualrft.train.optim.AdamW;
import org.visualrft.train.optim.TrainingMemory;

public class ZeroPlan {
    public static void main(String[] args) {
        System.out.println("| model | trained parameters | largest tensor | state, 1 rank | 2 ranks (max per rank) | 4 ranks | 8 ranks | 8 ranks vs 1 |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String a : args) {
            for (boolean frozen : new boolean[] {false, true}) {
                row(Path.of(a), frozen);
            }
        }
    }

    static void row(Path file, boolean visionFrozen) {
        {
            Qwen2VLConfig c = Qwen2VLConfig.load(file);
            List<Long> sizes = new ArrayList<>();
            long largest = 0;
            for (Map.Entry<String, long[]> e : RandomWeights.shapes(c).entrySet()) {
                if (visionFrozen && e.getKey().startsWith("visual.")) {
                    continue; // freeze_vision_modules: true
                }
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                sizes.add(n);
                largest = Math.max(largest, n);
            }
            long[] s = sizes.stream().mapToLong(Long::longValue).toArray();
            long total = java.util.Arrays.stream(s).sum();
            StringBuilder row = new StringBuilder(String.format("| %s%s | %.3f B | %.1f M | %s GiB |", file.getFileName(),
                    visionFrozen ? ", vision frozen" : "", total / 1e9, largest / 1e6, gib(AdamW.stateBytes(DType.BF16, total))));
            double one = AdamW.stateBytes(DType.BF16, total);
            DType[] dtypes = new DType[s.length];
            java.util.Arrays.fill(dtypes, DType.BF16);
            double eight = 0;
            for (int world : new int[] {2, 4, 8}) {
                long max = TrainingMemory.largestStateShare(s, dtypes, world);
                row.append(' ').append(gib(max)).append(" GiB |");
                eight = max;
            }
            row.append(String.format(" %.2fx |", one / eight));
            System.out.println(row);
        }
    }

    static String gib(double bytes) {
        return String.format("%.2f", bytes / (1L << 30));
    }
}
