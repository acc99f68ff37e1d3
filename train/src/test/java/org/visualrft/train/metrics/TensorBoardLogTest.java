package org.visualrft.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardLogTest {
    @Test
    void aRecordBecomesOneEventOfTaggedScalarsAtItsStep(@TempDir Path dir) throws Exception {
        Path logs = dir.resolve("not/yet/there");
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", 3);
        rec.put("epoch", 0.5);
        rec.put("loss", 0.1);
        rec.put("rewards/iou", 1.0 / 3);
        rec.put("nan_skipped", 2);
        rec.put("eval/detection_map", Double.NaN);
        rec.put("starved", true); // not a number: left out
        rec.put("note", "text");
        long before = System.currentTimeMillis();
        Path file;
        try (TensorBoardLog log = TensorBoardLog.open(logs, 0)) {
            log.write(rec);
            file = log.file();
            // flushed: readable while the run goes on
            assertEquals(2, EventFileReader.read(file).size());
        }
        assertEquals(logs, file.getParent());
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."), file.toString());
        List<EventFileReader.Event> events = EventFileReader.read(file);
        assertEquals(2, events.size());
        assertEquals("file_version", events.get(0).kind());
        assertEquals(TfEventsFile.FILE_VERSION, events.get(0).fileVersion());
        EventFileReader.Event e = events.get(1);
        assertEquals("scalars", e.kind());
        assertEquals(3, e.step());
        assertTrue(e.wallTime() >= before / 1000.0 - 1 && e.wallTime() <= System.currentTimeMillis() / 1000.0 + 1);
        Map<String, Float> want = new LinkedHashMap<>();
        want.put("train/epoch", 0.5f);
        want.put("train/loss", 0.1f);
        want.put("train/rewards/iou", (float) (1.0 / 3));
        want.put("train/nan_skipped", 2f);
        want.put("eval/detection_map", Float.NaN);
        assertEquals(want, e.scalars());
    }

    @Test
    void aResumedRunWritesANewFileThatRestartsAtItsFirstStep(@TempDir Path dir) throws Exception {
        Path first;
        try (TensorBoardLog log = TensorBoardLog.open(dir, 0)) {
            first = log.file();
            log.write(Map.of("step", 1, "loss", 1.0));
        }
        Path second;
        try (TensorBoardLog log = TensorBoardLog.open(dir, 4)) {
            second = log.file();
            log.write(Map.of("step", 5, "loss", 0.5));
        }
        assertNotEquals(first, second);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(2, s.count());
        }
        assertEquals(2, EventFileReader.read(first).size(), "the earlier file is left as it was");
        List<EventFileReader.Event> events = EventFileReader.read(second);
        assertEquals(List.of("file_version", "session_start", "scalars"),
                events.stream().map(EventFileReader.Event::kind).toList());
        assertEquals(5, events.get(1).step());
        assertEquals(Map.of("train/loss", 0.5f), events.get(2).scalars());
    }

    @Test
    void aRecordWithoutAStepIsRefused(@TempDir Path dir) throws Exception {
        try (TensorBoardLog log = TensorBoardLog.open(dir, 0)) {
            assertThrows(IllegalArgumentException.class, () -> log.write(Map.of("loss", 1.0)));
        }
    }

    @Test
    void evalKeysKeepTheirNamesAndTheRestGoUnderTrain() {
        assertEquals("eval/rewards/iou", TensorBoardLog.tag("eval/rewards/iou"));
        assertEquals("train/time/sampling_s", TensorBoardLog.tag("time/sampling_s"));
        assertEquals("train/evaluation", TensorBoardLog.tag("evaluation"));
    }
}
