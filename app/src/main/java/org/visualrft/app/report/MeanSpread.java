package org.visualrft.app.report;

import java.util.Arrays;

/**
 * A score over repetitions (k-shot draws): the mean, the population standard deviation as the spread, and the values
 * themselves. One value gives spread 0.
 */
public record MeanSpread(double mean, double spread, double[] values) {
    public static MeanSpread of(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double mean = Arrays.stream(values).average().orElseThrow();
        double var = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length;
        return new MeanSpread(mean, Math.sqrt(var), values.clone());
    }

    public int n() {
        return values.length;
    }

    /** {@code 0.642 ± 0.031} (or just the mean for one value), scores shown as fractions with 3 decimals. */
    public String format() {
        return values.length == 1 ? String.format(java.util.Locale.ROOT, "%.3f", mean)
                : String.format(java.util.Locale.ROOT, "%.3f ± %.3f", mean, spread);
    }
}
