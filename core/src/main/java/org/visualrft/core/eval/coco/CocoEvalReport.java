package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.nio.file.Path;
import java.util.Collection;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.core.eval.PerCategoryApReport;

/**
 * The machine-readable result of a COCO evaluation:
 * {@code {"stats": [12 numbers], "per_category_ap": {"<id>": ap}, "subset": [ids], "subset_mean_ap": x}},
 * numbers with full double precision (they read back to the same doubles).
 */
public final class CocoEvalReport {
    private CocoEvalReport() {
    }

    /** Writes the report atomically. */
    public static void write(Path file, CocoEvalResult result, Collection<Long> subset, double subsetMeanAp) {
        AtomicFile.write(file, out -> {
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeArrayFieldStart("stats");
                for (double s : result.stats()) {
                    g.writeNumber(s);
                }
                g.writeEndArray();
                PerCategoryApReport.writeFields(g, result.perCategoryAp(), subset, subsetMeanAp);
                g.writeNumberField("detections_of_unknown_categories", result.detectionsOfUnknownCategories());
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }
}
