package org.visualrft.app.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run's per-step training metrics read back from the trainer's {@code metrics.jsonl}. */
public record TrainingCurve(Map<String, double[]> series) {
    /** Reads every numeric key of the step records (evaluation records are skipped). */
    public static TrainingCurve read(Path metricsJsonl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Double>> cols = new LinkedHashMap<>();
        int rows = 0;
        for (String line : Files.readAllLines(metricsJsonl)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            if (!n.has("loss")) {
                continue;
            }
            final int row = rows;
            n.fields().forEachRemaining(e -> {
                if (e.getValue().isNumber()) {
                    List<Double> c = cols.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                    while (c.size() < row) {
                        c.add(Double.NaN);
                    }
                    c.add(e.getValue().asDouble());
                }
            });
            rows++;
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        final int total = rows;
        cols.forEach((k, v) -> {
            double[] a = new double[total];
            for (int i = 0; i < total; i++) {
                a[i] = i < v.size() ? v.get(i) : Double.NaN;
            }
            out.put(k, a);
        });
        return new TrainingCurve(out);
    }

    public double[] get(String key) {
        return series.getOrDefault(key, new double[0]);
    }

    /** Mean of the first {@code n} finite values of a series (NaN when none). */
    public double first(String key, int n) {
        double[] v = get(key);
        return mean(v, 0, Math.min(n, v.length));
    }

    /** Mean of the last {@code n} finite values of a series. */
    public double last(String key, int n) {
        double[] v = get(key);
        return mean(v, Math.max(0, v.length - n), v.length);
    }

    public double mean(String key) {
        double[] v = get(key);
        return mean(v, 0, v.length);
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        int c = 0;
        for (int i = from; i < to; i++) {
            if (Double.isFinite(v[i])) {
                s += v[i];
                c++;
            }
        }
        return c == 0 ? Double.NaN : s / c;
    }
}
