package org.visualrft.train.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.visualrft.core.io.AtomicFile;

/**
 * A JSON Lines log keyed by {@code step} ({@code metrics.jsonl}: one object per logging step; GRPO's
 * {@code completions.jsonl}: one per sampled completion), flushed line by line. On resume, lines after the resumed
 * step (written by the interrupted run after its last checkpoint) are dropped first, so the file reads as one run.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /** Opens {@code file} for appending after keeping only the records with {@code step <= keepThroughStep}. */
    public static MetricsLog open(Path file, int keepThroughStep) throws IOException {
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            try (org.visualrft.core.io.Utf8LineReader lines = org.visualrft.core.io.Utf8LineReader.open(file)) {
                while (true) {
                    String line;
                    try {
                        line = lines.readLine();
                    } catch (org.visualrft.core.BadInputException notUtf8) {
                        continue; // a damaged line is dropped like a torn one
                    }
                    if (line == null) {
                        break;
                    }
                    keepIfDone(line, keepThroughStep, kept);
                }
            }
            AtomicFile.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND));
    }

    private static void keepIfDone(String line, int keepThroughStep, List<String> kept) {
        if (line.isBlank()) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(line);
            if (n.path("step").asInt(Integer.MAX_VALUE) <= keepThroughStep) {
                kept.add(line);
            }
        } catch (IOException torn) {
            // a line torn by a kill: drop it
        }
    }

    public void write(Map<String, Object> record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
