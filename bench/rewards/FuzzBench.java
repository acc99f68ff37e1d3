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
import org.visualrft.core.reward.CompletionMutator;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSample;

/**
 * Reliability run: N mutated completions (seeded from the fixture completions, CompletionMutator), each scored by
 * every registered reward function in both modes against a fixture solution. Counts exceptions (any Throwable),
 * out-of-range strict values and non-finite values; prints one table. Exit 1 if anything was found.
 */
public class FuzzBench {
    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args.length > 0 ? args[0] : "fixtures", "rewards", "visual_rft_rewards.jsonl");
        long count = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        List<String> completions = new ArrayList<>();
        List<String> solutions = new ArrayList<>();
        JsonFactory f = new JsonFactory();
        for (String line : Files.readAllLines(fixtures)) {
            try (JsonParser p = f.createParser(line)) {
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String n = p.currentName();
                    JsonToken t = p.nextToken();
                    if (n.equals("completion")) {
                        completions.add(p.getText());
                    } else if (n.equals("solution")) {
                        solutions.add(p.getText());
                    } else if (t.isStructStart()) {
                        p.skipChildren();
                    }
                }
            }
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<long[]>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 1000 + t;
            long n = count / threads + (t < count % threads ? 1 : 0);
            parts.add(pool.submit(() -> run(seed, n, completions, solutions)));
        }
        long[] total = new long[5];
        for (Future<long[]> p : parts) {
            long[] r = p.get();
            for (int i = 0; i < total.length; i++) {
                total[i] += r[i];
            }
        }
        pool.shutdown();
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%-28s %,15d%n", "mutated completions", total[0]);
        System.out.printf(Locale.ROOT, "%-28s %,15d%n", "reward calls", total[1]);
        System.out.printf(Locale.ROOT, "%-28s %,15d%n", "exceptions", total[2]);
        System.out.printf(Locale.ROOT, "%-28s %,15d%n", "strict values out of range", total[3]);
        System.out.printf(Locale.ROOT, "%-28s %,15d%n", "visual-rft NaN (NaN text)", total[4]);
        System.out.printf(Locale.ROOT, "%-28s %15.1f  (%d threads, %,.0f calls/s)%n", "seconds", s, threads,
                total[1] / s);
        System.exit(total[2] == 0 && total[3] == 0 ? 0 : 1);
    }

    static long[] run(long seed, long n, List<String> completions, List<String> solutions) {
        CompletionMutator m = new CompletionMutator(seed, completions);
        List<RewardFunction> fs = new ArrayList<>();
        List<Boolean> strict = new ArrayList<>();
        for (RewardMode mode : RewardMode.values()) {
            for (String name : RewardRegistry.names()) {
                fs.add(RewardRegistry.create(name, mode, RewardOptions.DEFAULT));
                strict.add(mode == RewardMode.STRICT);
            }
        }
        long calls = 0, exceptions = 0, outOfRange = 0, nan = 0;
        for (long i = 0; i < n; i++) {
            String c = m.next();
            RewardSample sample = RewardSample.of(solutions.get((int) (i % solutions.size())));
            for (int k = 0; k < fs.size(); k++) {
                calls++;
                try {
                    double v = fs.get(k).score(c, sample);
                    if (strict.get(k)) {
                        double max = fs.get(k).name().equals("giou") ? 2.0 : 1.0;
                        if (!(v >= 0 && v <= max)) {
                            outOfRange++;
                        }
                    } else if (Double.isNaN(v)) {
                        nan++;
                    }
                } catch (Throwable e) {
                    if (exceptions++ < 5) {
                        System.err.println("exception " + e + " on " + c);
                    }
                }
            }
        }
        return new long[] {n, calls, exceptions, outOfRange, nan};
    }
}
