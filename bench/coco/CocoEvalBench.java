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
 * Times load + evaluate + accumulate + summarize on one COCO case, several rounds in one JVM, and prints a table
 * next to pycocotools' recorded time. Run through bench/coco/run.sh (it builds core and makes the data).
 * Usage: java -Xmx2g -cp CLASSPATH CocoEvalBench.java GT.json DT.json ROUNDS PEER_SECONDS EXPECTED_AP_PREFIX
 */
public class CocoEvalBench {
    public static void main(String[] args) {
        Path gtFile = Path.of(args[0]);
        Path dtFile = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        double peer = Double.parseDouble(args[3]);
        String apPrefix = args[4];
        double[] first = null;
        for (boolean parallel : new boolean[] {true, false}) {
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
                long t2 = System.nanoTime();
                load[i] = (t1 - t0) / 1e9;
                eval[i] = (t2 - t1) / 1e9;
                total[i] = (t2 - t0) / 1e9;
                if (first == null) {
                    first = stats;
                    System.out.print(CocoSummary.format(r));
                } else if (!Arrays.equals(first, stats)) {
                    throw new AssertionError("stats differ between runs");
                }
            }
            String mode = parallel ? Runtime.getRuntime().availableProcessors() + " threads" : "1 thread";
            System.out.printf(Locale.ROOT, "%n| %-32s | %9s | %9s | %9s |%n", "visual-rft CocoEvaluator (" + mode + ")",
                    "load s", "eval s", "total s");
            System.out.printf(Locale.ROOT, "| %-32s | %9.3f | %9.3f | %9.3f |%n", "first round (cold JVM)",
                    load[0], eval[0], total[0]);
            System.out.printf(Locale.ROOT, "| %-32s | %9.3f | %9.3f | %9.3f |%n", "median of " + rounds,
                    median(load), median(eval), median(total));
            System.out.printf(Locale.ROOT, "| %-32s | %9s | %9s | %9.1f |%n", "pycocotools 2.0.11 (recorded)", "2.11",
                    "43.0", peer + 2.11);
            System.out.printf(Locale.ROOT, "speed-up (peer evaluate %.1f s / our total incl. load): cold %.1fx, median %.1fx%n",
                    peer, peer / total[0], peer / median(total));
        }
        String ap = Double.toString(first[0]);
        System.out.println("AP = " + ap + (ap.startsWith(apPrefix) ? " (matches pycocotools' " + apPrefix + "...)"
                : " MISMATCH: pycocotools gives " + apPrefix + "..."));
        System.out.println("stats = " + Arrays.toString(first));
        System.out.printf(Locale.ROOT, "max heap %d MB%n", Runtime.getRuntime().maxMemory() >> 20);
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
