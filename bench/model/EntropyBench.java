import java.util.Arrays;
import java.util.SplittableRandom;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * What top_entropy_quantile and the entropy metric add to a training forward: GroupLogProbs.entropies() (the
 * full-vocabulary entropy per position, from the log-softmax the log-probs are read from) against what the forward
 * does anyway at that point (the log-softmax and the gather of the sampled tokens), on float32 logits of
 * ROWS positions × VOCAB. Prints one JSON object with the median milliseconds of each.
 * Usage (bench/model/entropy.sh): java -cp CP bench/model/EntropyBench.java ROWS VOCAB ROUNDS THREADS
 */
public class EntropyBench {
    public static void main(String[] a) {
        int rows = Integer.parseInt(a[0]);
        int vocab = Integer.parseInt(a[1]);
        int rounds = Integer.parseInt(a[2]);
        Engine.setThreads(Integer.parseInt(a[3]));
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[rows * vocab];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        long[] targets = new long[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = r.nextInt(vocab);
        }
        float[] mask = new float[rows];
        Arrays.fill(mask, 1f);
        double[] logProbs = new double[rounds];
        double[] entropies = new double[rounds];
        double check = 0;
        try (NativeScope outer = NativeScope.open()) {
            Tensor logits = Tensor.fromFloats(x, 1, rows, vocab);
            Tensor t = Tensor.fromLongs(targets, 1, rows);
            Tensor m = Tensor.fromFloats(mask, 1, rows);
            for (int k = 0; k < rounds + 2; k++) { // two warm-up rounds
                try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                    long t0 = System.nanoTime();
                    GroupLogProbs lp = GroupLogProbs.of(logits, t, m);
                    lp.logProbs().toFloats();
                    long t1 = System.nanoTime();
                    check = lp.entropies().sum().item();
                    long t2 = System.nanoTime();
                    if (k >= 2) {
                        logProbs[k - 2] = (t1 - t0) / 1e6;
                        entropies[k - 2] = (t2 - t1) / 1e6;
                    }
                }
            }
            if (!(check > 0)) {
                throw new IllegalStateException("entropies sum to " + check);
            }
        }
        System.out.printf(java.util.Locale.ROOT, "{\"rows\": %d, \"vocab\": %d, \"log_softmax_gather_ms\": %.2f, "
                + "\"entropies_ms\": %.2f, \"mean_entropy\": %.4f}%n", rows, vocab, median(logProbs),
                median(entropies), check / rows);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
