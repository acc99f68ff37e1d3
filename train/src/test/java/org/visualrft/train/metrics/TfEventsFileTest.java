package org.visualrft.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case in {@code ${vrft.fixtures}/tensorboard/}: the events of {@code events.json} written by {@link TfEventsFile}
 * are byte for byte {@code expected.tfevents}, which protobufjs encoded and framed with its own CRC-32C
 * ({@code make-fixtures.js}).
 */
class TfEventsFileTest {
    /** The given fixtures' cases; a copy of the fixtures made before this folder existed: the project's own. */
    static Path fixtures() {
        Path given = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("tensorboard");
        return Files.isDirectory(given) ? given : Path.of("../fixtures/tensorboard");
    }

    static List<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(fixtures())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("events.json"))).sorted().toList();
        }
    }

    @Test
    void writesEveryOracleCaseByteForByte(@TempDir Path dir) throws Exception {
        List<Path> cases = cases();
        assertFalse(cases.isEmpty(), "no cases in " + fixtures());
        ObjectMapper json = new ObjectMapper();
        for (Path c : cases) {
            Path written = dir.resolve(c.getFileName() + ".tfevents");
            try (TfEventsFile f = TfEventsFile.create(written)) {
                for (JsonNode e : json.readTree(c.resolve("events.json").toFile())) {
                    double wall = e.get("wall_time").asDouble();
                    long step = e.get("step").asLong();
                    switch (e.get("kind").asText()) {
                        case "file_version" -> {
                            assertEquals(TfEventsFile.FILE_VERSION, e.get("file_version").asText());
                            f.fileVersion(wall);
                        }
                        case "session_start" -> f.sessionStart(wall, step);
                        case "text" -> f.text(wall, step, e.get("tag").asText(), e.get("text").asText());
                        case "scalars" -> {
                            List<TfEventsFile.Scalar> values = new ArrayList<>();
                            for (JsonNode s : e.get("scalars")) {
                                JsonNode v = s.get("value"); // "NaN", "Infinity", "-0.0" travel as text
                                values.add(new TfEventsFile.Scalar(s.get("tag").asText(),
                                        v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble()));
                            }
                            f.scalars(wall, step, values);
                        }
                        default -> throw new AssertionError(c + ": unknown kind " + e.get("kind"));
                    }
                }
            }
            assertArrayEquals(Files.readAllBytes(c.resolve("expected.tfevents")), Files.readAllBytes(written),
                    c.getFileName().toString());
        }
    }

    @Test
    void maskedCrcOfTheStandardCheckString() {
        // CRC-32C("123456789") = 0xE3069283; masked: rotated right by 15, plus 0xa282ead8
        int crc = 0xE3069283;
        assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8,
                TfEventsFile.maskedCrc("123456789".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void neverOverwritesAFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("events.out.tfevents.1");
        Files.writeString(p, "kept");
        assertThrows(FileAlreadyExistsException.class, () -> TfEventsFile.create(p));
        assertEquals("kept", Files.readString(p));
    }
}
