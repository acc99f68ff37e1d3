package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparisons of trained weights, tensor by tensor, for tests whose runs may differ by float rounding only. */
public final class WeightsAssert {
    private WeightsAssert() {
    }

    /**
     * Per tensor: {@code ||got - reference||} (L2) at most {@code rel · ||reference|| + floor}; {@code label} names the
     * run in the message.
     */
    public static void assertClose(float[][] reference, float[][] got, double rel, double floor, String label) {
        assertEquals(reference.length, got.length, label + ": tensors");
        for (int i = 0; i < reference.length; i++) {
            double diff = 0;
            double norm = 0;
            for (int j = 0; j < reference[i].length; j++) {
                diff += (double) (got[i][j] - reference[i][j]) * (got[i][j] - reference[i][j]);
                norm += (double) reference[i][j] * reference[i][j];
            }
            assertTrue(Math.sqrt(diff) <= rel * Math.sqrt(norm) + floor, label + " parameter " + i
                    + ": relative error " + Math.sqrt(diff / Math.max(norm, 1e-30)));
        }
    }
}
