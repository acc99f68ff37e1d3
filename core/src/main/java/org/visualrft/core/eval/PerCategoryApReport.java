package org.visualrft.core.eval;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;

/**
 * The fields {@code "per_category_ap": {"<id>": ap}, "subset": [ids], "subset_mean_ap": x} that the COCO and LVIS
 * JSON reports share, numbers with full double precision.
 */
public final class PerCategoryApReport {
    private PerCategoryApReport() {
    }

    /** Writes the three fields into the object {@code g} is in. */
    public static void writeFields(JsonGenerator g, Map<Long, Double> perCategoryAp, Collection<Long> subset,
            double subsetMeanAp) throws IOException {
        g.writeObjectFieldStart("per_category_ap");
        for (Map.Entry<Long, Double> e : perCategoryAp.entrySet()) {
            g.writeNumberField(Long.toString(e.getKey()), e.getValue());
        }
        g.writeEndObject();
        g.writeArrayFieldStart("subset");
        for (Long id : subset) {
            g.writeNumber(id);
        }
        g.writeEndArray();
        g.writeNumberField("subset_mean_ap", subsetMeanAp);
    }
}
