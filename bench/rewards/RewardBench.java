import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.visualrft.core.reward.JsonlRewarder;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;

/**
 * Rewards per second over the fixture set: through the library (every reward function of the case's task, as the
 * trainer scores a completion) on 1 and 2 threads, and through the JSONL path of `visual-rft reward` (in-process,
 * parse + score + write). Prints a table with the ratio to the original Python code's figure from
 * docs/benchmarks.md (33,600 cases/s on this kind of machine).
 */
public class RewardBench {
    static final double PEER_CASES_PER_S = 3091 / 0.093;

    record Case(Task task, String completion, RewardSample sample) {
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args.length > 0 ? args[0] : "fixtures", "rewards", "visual_rft_rewards.jsonl");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3.0;
        List<String> lines = Files.readAllLines(fixtures);
        List<Case> cases = new ArrayList<>();
        JsonFactory f = new JsonFactory();
        StringBuilder jsonl = new StringBuilder();
        for (String line : lines) {
            String task = null, completion = null, solution = null;
            try (JsonParser p = f.createParser(line)) {
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String n = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (n) {
                        case "task" -> task = p.getText();
                        case "completion" -> completion = p.getText();
                        case "solution" -> solution = p.getText();
                        default -> { if (t.isStructStart()) p.skipChildren(); }
                    }
                }
            }
            cases.add(new Case(Task.parseOrNull(task), completion, RewardSample.of(solution)));
            jsonl.append(line).append('\n');
        }
        System.out.printf(Locale.ROOT, "fixture set: %d cases (%s); %d cores; peer (original Python, docs/benchmarks.md"
                + "): %,.0f cases/s%n", cases.size(), fixtures, Runtime.getRuntime().availableProcessors(),
                PEER_CASES_PER_S);
        // warm-up: let the JIT compile every path (on a loaded 2-core machine this takes many seconds)
        for (int w = 0; w < 2; w++) {
            for (RewardMode mode : RewardMode.values()) {
                library(cases, mode, 2, seconds);
            }
        }
        System.out.printf("%-44s %8s %14s %9s %16s %9s%n", "path", "threads", "cases/s wall", "vs peer",
                "cases/CPU-s", "vs peer");
        for (RewardMode mode : RewardMode.values()) {
            for (int threads : new int[] {1, 2}) {
                double[] rate = library(cases, mode, threads, seconds);
                row("library " + mode.id(), threads, rate);
            }
        }
        // as a GRPO trainer calls it: each solution scored for G = 8 completions (distinct strings) in a row
        List<Case> grouped = new ArrayList<>();
        for (Case c : cases) {
            for (int g = 0; g < 8; g++) {
                grouped.add(new Case(c.task, new String(c.completion), c.sample));
            }
        }
        for (RewardMode mode : RewardMode.values()) {
            for (int threads : new int[] {1, 2}) {
                row("library " + mode.id() + ", G=8 per solution", threads, library(grouped, mode, threads, seconds));
            }
        }
        for (RewardMode mode : RewardMode.values()) {
            row("CLI JSONL path " + mode.id() + " (in-process)", 1, cli(jsonl.toString(), cases.size(), mode, seconds));
        }
        System.out.println("wall: cases per elapsed second on this (shared) machine; CPU-s: cases per second of CPU"
                + " time the scoring threads got (what one core delivers, independent of other load)");
    }

    static void row(String name, int threads, double[] rate) {
        System.out.printf(Locale.ROOT, "%-44s %8d %,14.0f %8.1fx %,16.0f %8.1fx%n", name, threads, rate[0],
                rate[0] / PEER_CASES_PER_S, rate[1], rate[1] / PEER_CASES_PER_S);
    }

    static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    static RewardSet[] sets(RewardMode mode) {
        RewardSet[] s = new RewardSet[Task.values().length];
        for (Task t : Task.values()) {
            s[t.ordinal()] = RewardRegistry.defaults(t, mode, RewardOptions.DEFAULT);
        }
        return s;
    }

    static double[] library(List<Case> cases, RewardMode mode, int threads, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            run(pool, cases, mode, threads, seconds / 2); // warm-up
            return run(pool, cases, mode, threads, seconds);
        } finally {
            pool.shutdownNow();
        }
    }

    static double[] run(ExecutorService pool, List<Case> cases, RewardMode mode, int threads, double seconds)
            throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        List<Future<long[]>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            fs.add(pool.submit(() -> {
                long cpu0 = cpuNanos();
                RewardSet[] sets = sets(mode);
                double[] values = new double[3];
                long n = 0;
                double sink = 0;
                int size = cases.size();
                int i = offset * (size / Math.max(1, threads));
                while (System.nanoTime() < deadline) {
                    for (int k = 0; k < 1000; k++) {
                        Case c = cases.get(i);
                        sink += sets[c.task.ordinal()].scoreInto(c.completion, c.sample, values);
                        if (++i == size) {
                            i = 0;
                        }
                    }
                    n += 1000;
                }
                return new long[] {n, cpuNanos() - cpu0, Double.isNaN(sink) ? 1 : 0};
            }));
        }
        long total = 0;
        long cpu = 0;
        for (Future<long[]> fu : fs) {
            long[] r = fu.get();
            total += r[0];
            cpu += r[1];
        }
        return new double[] {total / ((System.nanoTime() - start) / 1e9), total / (cpu / 1e9)};
    }

    static double[] cli(String jsonl, int perPass, RewardMode mode, double seconds) throws Exception {
        JsonlRewarder r = new JsonlRewarder("bench", null, t -> RewardRegistry.defaults(t, mode, RewardOptions.DEFAULT));
        byte[] bytes = jsonl.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long end = System.nanoTime() + (long) (seconds / 2 * 1e9);
        while (System.nanoTime() < end) {
            r.run(new java.io.ByteArrayInputStream(bytes), java.io.OutputStream.nullOutputStream(), 1);
        }
        long start = System.nanoTime();
        long cpu0 = cpuNanos();
        end = start + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < end) {
            n += r.run(new java.io.ByteArrayInputStream(bytes), new java.io.ByteArrayOutputStream(1 << 20), 1);
        }
        return new double[] {n / ((System.nanoTime() - start) / 1e9), n / ((cpuNanos() - cpu0) / 1e9)};
    }
}
