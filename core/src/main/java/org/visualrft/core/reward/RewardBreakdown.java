package org.visualrft.core.reward;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rewards of one completion: each function's (unweighted) value by name, in the set's order, and the weighted
 * sum.
 */
public record RewardBreakdown(Map<String, Double> values, double total) {
    public RewardBreakdown {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
