package org.visualrft.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StableScoreOrderTest {
    /** The definition: a stable sort by descending score (Java's object sort is a stable merge sort). */
    private static int[] reference(double[] s, int from, int to) {
        return IntStream.range(from, to).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> s[i] == 0.0 ? 0.0 : -s[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    @Test
    void matchesAStableDescendingSortOnManyTies() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int n = rnd.nextInt(trial < 100 ? 40 : 3000);
            double[] s = new double[n];
            int distinct = 1 + rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(distinct) / 4.0;
                if (s[i] == 0.0 && rnd.nextBoolean()) {
                    s[i] = -0.0; // ties with 0.0, as in numpy
                }
            }
            int from = n == 0 ? 0 : rnd.nextInt(n);
            assertArrayEquals(reference(s, from, n), StableScoreOrder.descending(s, from, n), "trial " + trial);
        }
    }

    @Test
    void alreadySortedAndReversedInputs() {
        double[] up = IntStream.range(0, 1000).mapToDouble(i -> i).toArray();
        double[] down = Arrays.stream(up).map(x -> -x).toArray();
        assertArrayEquals(reference(up, 0, 1000), StableScoreOrder.descending(up));
        assertArrayEquals(IntStream.range(0, 1000).toArray(), StableScoreOrder.descending(down));
    }
}
