package org.visualrft.train.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Means of named values over the steps since the last log line (TRL averages its logged metrics the same way). The
 * values of the {@code nanFiltered} names that are NaN are left out of their means, as Hugging Face's
 * {@code logging_nan_inf_filter} (on by default) leaves a non-finite loss out of the logged one; a name whose values
 * were all left out is logged as NaN.
 */
public final class MetricWindow {
    private final Set<String> nanFiltered;
    private final Map<String, double[]> sums = new LinkedHashMap<>();

    public MetricWindow(Set<String> nanFiltered) {
        this.nanFiltered = Set.copyOf(nanFiltered);
    }

    public MetricWindow() {
        this(Set.of());
    }

    public void add(String name, double value) {
        double[] s = sums.computeIfAbsent(name, k -> new double[2]);
        if (Double.isNaN(value) && nanFiltered.contains(name)) {
            return;
        }
        s[0] += value;
        s[1] += 1;
    }

    public void addAll(Map<String, Double> values) {
        values.forEach(this::add);
    }

    public Map<String, Object> meansAndReset() {
        Map<String, Object> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[1] == 0 ? Double.NaN : s[0] / s[1]));
        sums.clear();
        return out;
    }

    public boolean isEmpty() {
        return sums.isEmpty();
    }
}
