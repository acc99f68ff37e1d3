import java.util.Arrays;
import java.util.SplittableRandom;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.Sampler;

/**
 * The Java sampler's cost per decode step (G rows of a Qwen-sized vocabulary) with Hugging Face's repetition penalty
 * and min-p against the same step without them. Prints one line per setting: name and the median milliseconds of a
 * step over ROUNDS rounds after warm-up. Run by bench/sampling/run.sh, which adds the PyTorch peer.
 */
public class SamplerBench {
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        int vocab = 151_936;
        int g = 8;
        int historyLength = 600;
        SplittableRandom r = new SplittableRandom(1);
        float[] logits = new float[g * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * r.nextGaussian());
        }
        int[][] seen = new int[g][];
        for (int i = 0; i < g; i++) {
            seen[i] = r.ints(historyLength, 0, vocab).distinct().toArray();
        }
        Object[][] settings = {
            {"top_k 50", new SamplingParams(1.0, 50, 1.0, 1)},
            {"top_k 50 + repetition_penalty 1.05", new SamplingParams(1.0, 50, 1.0, 1, 1.05, 0.0)},
            {"top_k 50 + min_p 0.05", new SamplingParams(1.0, 50, 1.0, 1, 1.0, 0.05)},
            {"full vocabulary", new SamplingParams(1.0, 0, 1.0, 1)},
            {"full vocabulary + penalty 1.05 + min_p 0.05", new SamplingParams(1.0, 0, 1.0, 1, 1.05, 0.05)},
        };
        for (Object[] s : settings) {
            SamplingParams p = (SamplingParams) s[1];
            double[] ms = new double[rounds];
            SplittableRandom rng = new SplittableRandom(2);
            int sink = 0;
            for (int round = -3; round < rounds; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < g; i++) {
                    sink += Sampler.sample(logits, i * vocab, vocab, Double.NaN, p, seen[i], rng).token();
                }
                if (round >= 0) {
                    ms[round] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            System.out.printf(java.util.Locale.ROOT, "%s\t%.2f\t%d%n", s[0], ms[rounds / 2], sink % 2);
        }
    }
}
