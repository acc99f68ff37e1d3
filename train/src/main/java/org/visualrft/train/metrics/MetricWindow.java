package org.visualrft.train.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** Means of named values over the steps since the last log line (TRL averages its logged metrics the same way). */
public final class MetricWindow {
    private final Map<String, double[]> sums = new LinkedHashMap<>();

    public void add(String name, double value) {
        double[] s = sums.computeIfAbsent(name, k -> new double[2]);
        s[0] += value;
        s[1] += 1;
    }

    public void addAll(Map<String, Double> values) {
        values.forEach(this::add);
    }

    public Map<String, Object> meansAndReset() {
        Map<String, Object> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
        sums.clear();
        return out;
    }

    public boolean isEmpty() {
        return sums.isEmpty();
    }
}
