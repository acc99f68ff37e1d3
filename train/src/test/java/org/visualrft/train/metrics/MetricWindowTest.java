package org.visualrft.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricWindowTest {
    @Test
    void nanValuesOfFilteredNamesAreLeftOutOfTheirMeansOnly() {
        MetricWindow w = new MetricWindow(Set.of("loss"));
        w.addAll(Map.of("loss", 1.0, "reward", 0.5));
        w.addAll(Map.of("loss", Double.NaN, "reward", Double.NaN));
        w.addAll(Map.of("loss", 4.0, "reward", 0.5));
        Map<String, Object> means = w.meansAndReset();
        assertEquals(2.5, (double) means.get("loss"), 0.0); // (1 + 4) / 2: the NaN step is left out, not counted as 0
        assertTrue(Double.isNaN((double) means.get("reward")), "an unfiltered NaN shows");
        assertTrue(w.isEmpty());
    }

    @Test
    void aWindowOfSkippedStepsOnlyLogsNaN() {
        MetricWindow w = new MetricWindow(Set.of("loss"));
        w.add("loss", Double.NaN);
        w.add("loss", Double.NaN);
        assertTrue(Double.isNaN((double) w.meansAndReset().get("loss")));
    }
}
