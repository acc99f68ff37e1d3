package org.visualrft.core.data;

import org.visualrft.core.io.AtomicFile;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * Writes samples as ViRFT-style JSON Lines that {@link JsonlDatasetReader} reads back: image files as paths
 * relative to the output's folder when they lie below it (else absolute), in-memory images as base64. ASCII only
 * (non-ASCII escaped), so lines can be split on {@code \n} safely. Written atomically.
 */
public final class JsonlDatasetWriter {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    private JsonlDatasetWriter() {
    }

    public static void write(Path file, Collection<Sample> samples) {
        Path base = file.toAbsolutePath().getParent();
        AtomicFile.write(file, out -> {
            for (Sample s : samples) {
                writeLine(out, s, base);
            }
        });
    }

    private static void writeLine(OutputStream out, Sample s, Path base) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.writeStartObject();
        g.writeStringField("id", s.id());
        if (s.image() instanceof ImageRef.File f) {
            Path p = f.path().toAbsolutePath().normalize();
            g.writeStringField("image", p.startsWith(base) ? base.relativize(p).toString() : p.toString());
        } else if (s.image() instanceof ImageRef.Bytes b) {
            g.writeStringField("image", Base64.getEncoder().encodeToString(b.data()));
        }
        g.writeStringField("problem", s.problem());
        g.writeStringField("solution", s.solution());
        if (s.size() != null) {
            g.writeNumberField("width", s.size().width());
            g.writeNumberField("height", s.size().height());
        }
        if (s.task() != null) {
            g.writeStringField("task", s.task());
        }
        for (Map.Entry<String, String> c : new java.util.TreeMap<>(s.columns()).entrySet()) {
            g.writeStringField(c.getKey(), c.getValue());
        }
        g.writeEndObject();
        g.flush();
        out.write('\n');
    }
}
