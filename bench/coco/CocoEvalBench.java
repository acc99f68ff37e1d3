import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoEvalParams;
import org.visualrft.core.eval.coco.CocoEvalResult;
import org.visualrft.core.eval.coco.CocoEvaluator;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoResultsReader;
import org.visualrft.core.eval.coco.CocoSummary;

/**
 * Times load + evaluate + accumulate + summarize on one COCO case and checks the AP against pycocotools' value.
 * Run through bench/coco/run.sh (it builds core and makes the data).
 * Usage: CocoEvalBench GT.json DT.json ROUNDS parallel|serial|both EXPECTED_AP_PREFIX
 * Prints "round i load_s L eval_s E" per round, then (ROUNDS > 1) a table per mode.
 */
public class CocoEvalBench {
    public static void main(String[] args) {
        Path gtFile = Path.of(args[0]);
        Path dtFile = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        String modes = args[3];
        String apPrefix = args[4];
        double[] first = null;
        for (boolean parallel : new boolean[] {true, false}) {
            if (modes.equals(parallel ? "serial" : "parallel")) {
                continue;
            }
            double[] total = new double[rounds];
            double[] load = new double[rounds];
            double[] eval = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                CocoGroundTruth gt = CocoGroundTruth.read(gtFile);
                List<CocoDetection> dt = CocoResultsReader.read(dtFile);
                long t1 = System.nanoTime();
                CocoEvalResult r = new CocoEvaluator(CocoEvalParams.defaults(), parallel).evaluate(gt, dt, "dt");
                double[] stats = r.stats();
                String summary = CocoSummary.format(r);
                long t2 = System.nanoTime();
                load[i] = (t1 - t0) / 1e9;
                eval[i] = (t2 - t1) / 1e9;
                total[i] = (t2 - t0) / 1e9;
                System.out.printf(Locale.ROOT, "round %d load_s %.3f eval_s %.3f%n", i + 1, load[i], eval[i]);
                if (first == null) {
                    first = stats;
                    System.out.print(summary);
                } else if (!Arrays.equals(first, stats)) {
                    throw new AssertionError("stats differ between runs");
                }
            }
            if (rounds > 1) {
                String mode = parallel ? Runtime.getRuntime().availableProcessors() + " threads" : "1 thread";
                System.out.printf(Locale.ROOT, "%n| warm JVM, %d rounds, %-10s | load s | eval s | total s | ratio to 45.1 s |%n",
                        rounds, mode);
                System.out.println("| --- | ---: | ---: | ---: | ---: |");
                System.out.printf(Locale.ROOT, "| first round | %.3f | %.3f | %.3f | %.1fx |%n", load[0], eval[0], total[0],
                        45.11 / total[0]);
                System.out.printf(Locale.ROOT, "| median | %.3f | %.3f | %.3f | %.1fx |%n", median(load), median(eval),
                        median(total), 45.11 / median(total));
            }
        }
        String ap = Double.toString(first[0]);
        System.out.println("AP = " + ap + (ap.startsWith(apPrefix) ? " (pycocotools: " + apPrefix + "...)"
                : " MISMATCH: pycocotools gives " + apPrefix + "..."));
        System.out.println("stats = " + Arrays.toString(first));
        if (!ap.startsWith(apPrefix)) {
            System.exit(1);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
