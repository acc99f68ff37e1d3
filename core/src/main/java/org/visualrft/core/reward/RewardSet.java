package org.visualrft.core.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Several reward functions and their weights; the total is the weighted sum GRPO normalises within a group. */
public final class RewardSet {
    private final List<WeightedReward> parts;

    public RewardSet(List<WeightedReward> parts) {
        this.parts = List.copyOf(parts);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (WeightedReward p : parts) {
            if (!names.add(p.function().name())) {
                throw new IllegalArgumentException("reward listed twice: " + p.function().name());
            }
        }
    }

    /** All functions with weight 1 (the Visual-RFT setting). */
    public static RewardSet unweighted(List<RewardFunction> functions) {
        List<WeightedReward> parts = new ArrayList<>();
        for (RewardFunction f : functions) {
            parts.add(new WeightedReward(f, 1.0));
        }
        return new RewardSet(parts);
    }

    public List<WeightedReward> parts() {
        return parts;
    }

    /** The function names in order (the keys of {@link RewardBreakdown#values()}). */
    public List<String> names() {
        List<String> out = new ArrayList<>(parts.size());
        for (WeightedReward p : parts) {
            out.add(p.function().name());
        }
        return out;
    }

    /** Every function's value and the weighted sum. */
    public RewardBreakdown score(String completion, RewardSample sample) {
        Map<String, Double> values = new LinkedHashMap<>();
        double total = 0.0;
        for (WeightedReward p : parts) {
            double v = p.function().score(completion, sample);
            values.put(p.function().name(), v);
            total += p.weight() * v;
        }
        return new RewardBreakdown(values, total);
    }

    /** The values into a caller's array (no allocation per call), returning the weighted sum. */
    public double scoreInto(String completion, RewardSample sample, double[] values) {
        double total = 0.0;
        for (int i = 0; i < parts.size(); i++) {
            WeightedReward p = parts.get(i);
            double v = p.function().score(completion, sample);
            values[i] = v;
            total += p.weight() * v;
        }
        return total;
    }
}
