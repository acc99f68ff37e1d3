package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.nio.file.Path;
import java.util.List;
import org.visualrft.core.io.AtomicFile;

/** Writes a COCO results file ({@code [{image_id, category_id, bbox, score}, ...]}) atomically, full precision. */
public final class CocoResultsWriter {
    private CocoResultsWriter() {
    }

    public static void write(Path file, List<CocoDetection> detections) {
        AtomicFile.write(file, out -> {
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartArray();
                for (CocoDetection d : detections) {
                    g.writeStartObject();
                    g.writeNumberField("image_id", d.imageId());
                    g.writeNumberField("category_id", d.categoryId());
                    g.writeArrayFieldStart("bbox");
                    g.writeNumber(d.x());
                    g.writeNumber(d.y());
                    g.writeNumber(d.width());
                    g.writeNumber(d.height());
                    g.writeEndArray();
                    g.writeNumberField("score", d.score());
                    g.writeEndObject();
                    g.writeRaw('\n');
                }
                g.writeEndArray();
            }
        });
    }
}
