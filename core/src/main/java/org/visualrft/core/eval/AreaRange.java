package org.visualrft.core.eval;

import java.util.List;

/** An object-size range in square pixels, both bounds inclusive (an object is out when area < min or > max). */
public record AreaRange(String label, double min, double max) {
    /** COCO's and LVIS's four ranges: all, small (≤ 32²), medium (32²..96²), large (≥ 96²). */
    public static final List<AreaRange> COCO = List.of(
            new AreaRange("all", 0, 1e10),
            new AreaRange("small", 0, 32 * 32),
            new AreaRange("medium", 32 * 32, 96 * 96),
            new AreaRange("large", 96 * 96, 1e10));

    public boolean excludes(double area) {
        return area < min || area > max;
    }
}
