package org.visualrft.core.eval.lvis;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.core.eval.PerCategoryApReport;

/**
 * The machine-readable result of an LVIS evaluation:
 * {@code {"results": {"AP": x, ..., "ARl@300": x}, "per_category_ap": {"<id>": ap}, "subset": [ids],
 * "subset_mean_ap": x}}; per-category AP is Visual-RFT's (all four area ranges).
 */
public final class LvisEvalReport {
    private LvisEvalReport() {
    }

    public static void write(Path file, LvisEvalResult result, Collection<Long> subset, double subsetMeanAp) {
        AtomicFile.write(file, out -> {
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeObjectFieldStart("results");
                for (Map.Entry<String, Double> e : result.results().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                PerCategoryApReport.writeFields(g, result.perCategoryAp(), subset, subsetMeanAp);
                g.writeNumberField("detections_over_limit", result.detectionsOverLimit());
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }
}
