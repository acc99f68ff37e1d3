import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.visualrft.core.reward.JsonlRewarder;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;

/**
 * The reward CLI's JSONL path in one JVM, pass after pass over the same file (real file in, real file out, default
 * strict sets): the first pass pays the JIT warm-up, the later ones show the steady state a long input reaches.
 * Usage: java -cp CORE_AND_JACKSON bench/rewards/CliSteadyState.java INPUT.jsonl [passes] [threads]
 */
public final class CliSteadyState {
    public static void main(String[] args) throws Exception {
        Path input = Path.of(args[0]);
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        Path output = Files.createTempFile("cli-steady", ".jsonl");
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        JsonlRewarder rewarder = new JsonlRewarder(input.toString(), null,
                t -> RewardRegistry.defaults(t, RewardMode.STRICT, RewardOptions.DEFAULT));
        double best = 0;
        double bestPerCpu = 0;
        try {
            for (int pass = 1; pass <= passes; pass++) {
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                long lines;
                try (InputStream in = Files.newInputStream(input);
                     OutputStream out = new BufferedOutputStream(Files.newOutputStream(output), 1 << 16)) {
                    lines = rewarder.run(in, out, threads);
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                if (pass > 1) {
                    best = Math.max(best, lines / wall);
                    bestPerCpu = Math.max(bestPerCpu, lines / cpu);
                }
                System.out.printf("pass %d, %d threads: %,d lines in %.3f s = %,.0f lines/s (%.2f CPU-s)%n",
                        pass, threads, lines, wall, lines / wall, cpu);
            }
        } finally {
            Files.deleteIfExists(output);
        }
        System.out.printf("steady state (best pass after the first): %,.0f lines/s wall, %,.0f lines per CPU-second%n",
                best, bestPerCpu);
    }
}
