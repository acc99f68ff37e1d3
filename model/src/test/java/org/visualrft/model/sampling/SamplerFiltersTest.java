package org.visualrft.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Repetition penalty and min-p on both samplers: the device sampler draws from the Java sampler's distribution
 * (exactly up to float rounding, and in frequency), the log-prob of a pick stays the raw model's, and logits with NaN
 * or infinity are one clear error naming the step and the row.
 */
class SamplerFiltersTest {
    static final int VOCAB = 64;

    static final List<SamplingParams> SETTINGS = List.of(
            new SamplingParams(1.0, 0, 1.0, 1, 1.4, 0.0),
            new SamplingParams(1.0, 0, 1.0, 1, 1.0, 0.1),
            new SamplingParams(0.7, 0, 1.0, 1, 0.8, 0.05),
            new SamplingParams(1.0, 50, 1.0, 1, 1.2, 0.0),
            new SamplingParams(0.9, 20, 0.9, 1, 1.5, 0.1),
            new SamplingParams(1.3, 0, 0.8, 1, 1.1, 0.2),
            new SamplingParams(0.0, 0, 1.0, 1, 3.0, 0.0),
            new SamplingParams(1.0, 8, 0.95, 1));

    static float[] logits(SplittableRandom r, int rows) {
        float[] x = new float[rows * VOCAB];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 * (r.nextDouble() * 2 - 1) + (r.nextDouble() < 0.1 ? 4 : 0));
        }
        return x;
    }

    static int[] history(SplittableRandom r, float[] x, int row) {
        int[] h = r.ints(10, 0, VOCAB).distinct().toArray();
        int best = 0;
        for (int i = 1; i < VOCAB; i++) {
            best = x[row * VOCAB + i] > x[row * VOCAB + best] ? i : best;
        }
        int[] out = Arrays.copyOf(h, h.length + 1);
        out[h.length] = best; // the favourite is penalised: the penalty changes the answer
        return Arrays.stream(out).distinct().toArray();
    }

    @Test
    void deviceSamplerFiltersAsTheJavaSampler() {
        SplittableRandom r = new SplittableRandom(7);
        int rows = 6;
        for (SamplingParams p : SETTINGS) {
            float[] x = logits(r, rows);
            List<int[]> histories = new ArrayList<>();
            List<SplittableRandom> rngs = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                histories.add(history(r, x, i));
                rngs.add(new SplittableRandom(i));
            }
            int[] maxNew = new int[rows];
            Arrays.fill(maxNew, 1);
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                DeviceSampler d = DeviceSampler.forGroups(p, 1, maxNew, VOCAB, histories, new int[0], rngs, Device.CPU);
                double[][] onDevice = d.probabilities(Tensor.fromFloats(x, rows, VOCAB));
                for (int i = 0; i < rows; i++) {
                    double[] java = Sampler.probabilities(x, i * VOCAB, VOCAB, p, histories.get(i));
                    double[] plain = Sampler.probabilities(x, i * VOCAB, VOCAB,
                            new SamplingParams(p.temperature(), p.topK(), p.topP(), 1), null);
                    SamplingOracleTest.assertClose(java, onDevice[i], p + " row " + i);
                    if (p.penalisesRepetition() || p.minP() > 0) {
                        assertTrue(maxDifference(java, plain) > 1e-3, p + " row " + i + " changes nothing");
                    }
                }
            }
        }
    }

    /** Device draws land on each token as often as the Java sampler's distribution says (within 5 σ), never on 0. */
    @Test
    void deviceDrawsFollowTheDistribution() {
        SplittableRandom r = new SplittableRandom(3);
        SamplingParams p = new SamplingParams(0.9, 30, 0.95, 1, 1.3, 0.05);
        float[] one = logits(r, 1);
        int[] seen = history(r, one, 0);
        int n = 4000;
        float[] x = new float[n * VOCAB];
        for (int i = 0; i < n; i++) {
            System.arraycopy(one, 0, x, i * VOCAB, VOCAB);
        }
        int[] counts = new int[VOCAB];
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            DeviceSampler d = new DeviceSampler(p, n, VOCAB, seen, new int[0], new SplittableRandom(9), Device.CPU);
            for (long t : d.pickAndRecord(Tensor.fromFloats(x, n, VOCAB)).toLongs()) {
                counts[(int) t]++;
            }
        }
        double[] q = Sampler.probabilities(one, 0, VOCAB, p, seen);
        for (int t = 0; t < VOCAB; t++) {
            double sd = Math.sqrt(n * q[t] * (1 - q[t]));
            if (q[t] == 0) {
                assertEquals(0, counts[t], "token " + t + " is filtered out");
            } else {
                assertTrue(Math.abs(counts[t] - n * q[t]) <= 5 * sd + 1, "token " + t + ": " + counts[t]
                        + " draws, expected " + n * q[t]);
            }
        }
    }

    /** The penalty changes what is drawn, not the log-prob reported with it: that stays under the raw logits. */
    @Test
    void logProbsStayUnderTheRawLogits() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = logits(r, 1);
        int[] seen = history(r, x, 0);
        SamplingParams p = new SamplingParams(0.0, 0, 1.0, 1, 4.0, 0.0);
        double logZ = 0;
        for (float v : x) {
            logZ += Math.exp(v);
        }
        logZ = Math.log(logZ);
        float[] before = x.clone();
        Sampler.Pick pick = Sampler.sample(x, 0, VOCAB, Double.NaN, p, seen, new SplittableRandom(1));
        assertArrayEquals(before, x, "the penalty is undone: the caller's logits are left as they were");
        int[] twice = IntStream.concat(Arrays.stream(seen), Arrays.stream(seen)).toArray();
        Sampler.sample(x, 0, VOCAB, Double.NaN, new SamplingParams(1.0, 0, 1.0, 1, 1.3, 0.1), twice,
                new SplittableRandom(1));
        assertArrayEquals(before, x, "an id listed twice is restored too");
        assertArrayEquals(Sampler.probabilities(x, 0, VOCAB, new SamplingParams(1.0, 0, 1.0, 1, 1.3, 0.1), seen),
                Sampler.probabilities(x, 0, VOCAB, new SamplingParams(1.0, 0, 1.0, 1, 1.3, 0.1), twice),
                "an id listed twice is penalised once");
        assertTrue(Arrays.stream(seen).noneMatch(t -> t == pick.token()) || x[pick.token()] < 0,
                "greedy with a large penalty should leave the penalised favourite");
        assertEquals(x[pick.token()] - logZ, pick.logProb(), 1e-5);
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            DeviceSampler d = new DeviceSampler(p, 1, VOCAB, seen, new int[0], new SplittableRandom(1), Device.CPU);
            assertEquals(pick.token(), d.pickAndRecord(Tensor.fromFloats(x, 1, VOCAB)).toLongs()[0]);
            assertEquals(pick.logProb(), d.record().logProbs()[0], 1e-5);
        }
    }

    /** NaN, +∞ or an all −∞ row: a NonFiniteLogitsException naming the step and the row, greedy or sampled. */
    @Test
    void nonFiniteLogitsAreOneClearError() {
        float[][] broken = {row(Float.NaN, 3), row(Float.POSITIVE_INFINITY, 5), all(Float.NEGATIVE_INFINITY)};
        for (float[] x : broken) {
            for (SamplingParams p : List.of(SamplingParams.visualRft(4), SamplingParams.greedy(4),
                    new SamplingParams(1.0, 0, 1.0, 4, 1.2, 0.1))) {
                NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class, () -> Sampler.sampleRow(
                        x, 0, VOCAB, Double.NaN, p, new int[] {1, 2}, new SplittableRandom(1), 3, 1));
                assertTrue(e.getMessage().contains("decode step 3, row 1") && e.getMessage().contains("NaN")
                        && e.getMessage().contains("bf16"), e.getMessage());
                assertThrows(NonFiniteLogitsException.class, () -> Sampler.sampleSorted(x, new long[VOCAB], 0, 4,
                        Double.NaN, SamplingParams.visualRft(4), new SplittableRandom(1)));
                // on the device: rows 0 and 2 fine, row 1 broken at the second step
                float[] fine = logits(new SplittableRandom(2), 1);
                float[] three = new float[3 * VOCAB];
                System.arraycopy(fine, 0, three, 0, VOCAB);
                System.arraycopy(x, 0, three, VOCAB, VOCAB);
                System.arraycopy(fine, 0, three, 2 * VOCAB, VOCAB);
                float[] good = new float[3 * VOCAB];
                for (int i = 0; i < 3; i++) {
                    System.arraycopy(fine, 0, good, i * VOCAB, VOCAB);
                }
                try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                    DeviceSampler d = new DeviceSampler(p, 3, VOCAB, new int[] {1}, new int[0],
                            new SplittableRandom(1), Device.CPU);
                    d.pickAndRecord(Tensor.fromFloats(good, 3, VOCAB));
                    d.pickAndRecord(Tensor.fromFloats(three, 3, VOCAB));
                    NonFiniteLogitsException de = assertThrows(NonFiniteLogitsException.class, d::allFinished);
                    assertEquals(1, de.step());
                    assertEquals(1, de.row());
                    assertThrows(NonFiniteLogitsException.class, d::record);
                }
            }
        }
    }

    static float[] row(float bad, int at) {
        float[] x = logits(new SplittableRandom(4), 1);
        x[at] = bad;
        return x;
    }

    static float[] all(float v) {
        float[] x = new float[VOCAB];
        Arrays.fill(x, v);
        return x;
    }

    static double maxDifference(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
