package org.visualrft.core.eval;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Visual-RFT's per-category AP table and its subset mean, shared by the COCO and LVIS results (they differ only in
 * how one category's AP is computed).
 */
public final class PerCategoryAp {
    private PerCategoryAp() {
    }

    /** {@code apOf(k)} for every category index k, keyed by {@code categoryIds[k]}, in that order. */
    public static Map<Long, Double> byId(long[] categoryIds, IntToDoubleFunction apOf) {
        Map<Long, Double> out = new LinkedHashMap<>();
        for (int k = 0; k < categoryIds.length; k++) {
            out.put(categoryIds[k], apOf.applyAsDouble(k));
        }
        return out;
    }

    /**
     * The arithmetic mean (numpy's) of {@code ap} over {@code subset}, in the subset's order. A category with AP -1
     * (no ground truth) is an error here, where Visual-RFT would silently produce a meaningless number; so is a
     * category listed twice.
     */
    public static double subsetMean(Map<Long, Double> ap, Collection<Long> subset) {
        if (subset.isEmpty()) {
            throw new IllegalArgumentException("empty category subset");
        }
        double[] values = new double[subset.size()];
        int n = 0;
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Long id : subset) {
            if (!seen.add(id)) { // it would weigh twice in the mean
                throw new IllegalArgumentException("category " + id + " is listed twice");
            }
            Double v = ap.get(id);
            if (v == null) {
                throw new IllegalArgumentException("category " + id + " is not in the ground truth");
            }
            if (v == -1) {
                throw new IllegalArgumentException("category " + id + " has no ground truth to compute AP on");
            }
            values[n++] = v;
        }
        return NumpyMean.mean(values, n);
    }
}
