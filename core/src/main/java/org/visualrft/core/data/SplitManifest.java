package org.visualrft.core.data;

import org.visualrft.core.io.AtomicFile;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a k-shot split chose and from what, so a run can say exactly which examples it trained on:
 * {@code {"input", "shots", "seed", "pool_size", "chosen", "classes": {"<class>": {"available", "short", "ids"}}}}.
 */
public record SplitManifest(String input, int shots, long seed, int poolSize, int chosen,
        Map<String, ClassDraw> classes) {

    /** One class: how many samples it had and the ids drawn, in draw order. */
    public record ClassDraw(int available, List<String> ids) {
        public ClassDraw {
            ids = List.copyOf(ids);
        }
    }

    public SplitManifest {
        classes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(classes));
    }

    /** Classes with fewer samples than {@link #shots()}. */
    public List<String> shortClasses() {
        return classes.entrySet().stream().filter(e -> e.getValue().available() < shots).map(Map.Entry::getKey)
                .toList();
    }

    /** Writes the manifest as JSON, atomically. */
    public void write(Path file) {
        AtomicFile.write(file, out -> {
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeStringField("input", input);
                g.writeNumberField("shots", shots);
                g.writeNumberField("seed", seed);
                g.writeNumberField("pool_size", poolSize);
                g.writeNumberField("chosen", chosen);
                g.writeObjectFieldStart("classes");
                for (Map.Entry<String, ClassDraw> e : classes.entrySet()) {
                    g.writeObjectFieldStart(e.getKey());
                    g.writeNumberField("available", e.getValue().available());
                    g.writeBooleanField("short", e.getValue().available() < shots);
                    g.writeArrayFieldStart("ids");
                    for (String id : e.getValue().ids()) {
                        g.writeString(id);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndObject();
                g.writeEndObject();
                g.writeRaw('\n');
            }
        });
    }
}
