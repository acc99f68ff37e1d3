package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;

class RewardCommandTest {
    @TempDir
    Path dir;

    /** Fields of one JSON object line: strings as String, numbers as Double, "rewards" as a map. */
    static Map<String, Object> parse(String line) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT) {
                    Map<String, Double> inner = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String ik = p.currentName();
                        p.nextToken();
                        inner.put(ik, p.getDoubleValue());
                    }
                    m.put(k, inner);
                } else if (t == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (t.isNumeric()) {
                    m.put(k, p.getDoubleValue());
                } else {
                    m.put(k, p.getText());
                }
            }
        }
        return m;
    }

    private static String fixturesFile() {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures"), "rewards",
                "visual_rft_rewards.jsonl").toString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void visualRftModeReproducesEveryFixtureThroughTheCli() throws IOException {
        Path out = dir.resolve("out.jsonl");
        CliRun r = CliRun.of("reward", "--mode", "visual-rft", "--input", fixturesFile(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> in = Files.readAllLines(Path.of(fixturesFile()));
        List<String> lines = Files.readAllLines(out);
        assertEquals(in.size(), lines.size());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Map<String, Object> o = parse(lines.get(i));
            Map<String, Double> expected = (Map<String, Double>) parse(in.get(i)).get("expected");
            Map<String, Double> got = (Map<String, Double>) o.get("rewards");
            assertEquals(expected.keySet(), got.keySet(), o.get("id").toString());
            double sum = 0;
            for (String k : expected.keySet()) {
                sum += got.get(k);
                if (Math.abs(got.get(k) - expected.get(k)) > 1e-9) {
                    failures.add(o.get("id") + " " + k + " expected " + expected.get(k) + " got " + got.get(k));
                }
            }
            assertEquals(sum, (Double) o.get("reward"), 1e-12);
            assertTrue(lines.get(i).startsWith(in.get(i).substring(0, in.get(i).length() - 1)),
                    "input fields kept as written");
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    @SuppressWarnings("unchecked")
    void strictIsTheDefaultAndRefusesMultiLabelAnswers() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, String.join("\n",
                "{\"completion\": \"<think>x</think><answer>rose or garden phlox or tulip</answer>\","
                        + " \"solution\": \"<answer>garden phlox</answer>\"}",
                "{\"completion\": \"<think>x</think><answer></answer>\", \"solution\": \"<answer>garden phlox</answer>\"}",
                "{\"completion\": \"<think>x</think><answer>Garden_Phlox</answer>\","
                        + " \"solution\": \"<answer>garden phlox</answer>\"}") + "\n");
        CliRun r = CliRun.of("reward", "--task", "classification", "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length);
        assertEquals(Map.of("accuracy", 0.0, "format", 1.0), parse(lines[0]).get("rewards"));
        assertEquals(Map.of("accuracy", 0.0, "format", 1.0), parse(lines[1]).get("rewards"));
        assertEquals(Map.of("accuracy", 1.0, "format", 1.0), parse(lines[2]).get("rewards"));
        assertEquals(2.0, parse(lines[2]).get("reward"));
        CliRun original = CliRun.of("reward", "--task", "classification", "--mode", "visual-rft", "--input", in.toString());
        assertEquals(2.0, parse(original.out().split("\n")[0]).get("reward"), "the original's substring rule");
    }

    @Test
    void customWeightedSetAndPerLineTask() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"task\": \"detection\", \"completion\": \"<think>x</think><answer>[{'Position':"
                + " [100, 100, 300, 300], 'Confidence': 0.9}]</answer>\", \"solution\": \"<answer>[{'Position':"
                + " [100, 100, 300, 300], 'Confidence': 1}]</answer>\", \"image_size\": [640, 480]}\n");
        CliRun r = CliRun.of("reward", "--rewards", "iou_hungarian:2,ap,box_count,format:0.5", "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = parse(r.out().trim());
        assertEquals(Map.of("iou_hungarian", 1.0, "ap", 1.0, "box_count", 1.0, "format", 1.0), o.get("rewards"));
        assertEquals(4.5, o.get("reward"));
    }

    /**
     * A --rewards set is the same for every task, so a line needs no task (the documented
     * {@code reward --rewards iou_hungarian,ap:0.5,format --input in.jsonl} failed with "no task" on such lines).
     */
    @Test
    void customSetNeedsNoTask() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"completion\": \"<think>x</think><answer>[{'Position': [100, 100, 300, 300],"
                + " 'Confidence': 0.9}]</answer>\", \"solution\": \"<answer>[{'Position': [100, 100, 300, 300],"
                + " 'Confidence': 1}]</answer>\"}\n");
        CliRun r = CliRun.of("reward", "--rewards", "iou_hungarian,ap:0.5,format", "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = parse(r.out().trim());
        assertEquals(Map.of("iou_hungarian", 1.0, "ap", 1.0, "format", 1.0), o.get("rewards"));
        assertEquals(2.5, o.get("reward"));
    }

    @Test
    void badLineIsExit2NamingFileAndLineAndWritesNothing() throws IOException {
        Path in = dir.resolve("bad.jsonl");
        Files.writeString(in, "{\"completion\": \"a\", \"solution\": \"b\", \"task\": \"classification\"}\n"
                + "{\"completion\": \"a\"}\n");
        Path out = dir.resolve("out.jsonl");
        CliRun r = CliRun.of("reward", "--input", in.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(in.toString()) && r.err().contains("line 2") && r.err().contains("solution"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    /** Data the frame conversion cannot use (no image_size, a size Qwen's resize refuses) is that line's fault. */
    @Test
    void imageSizeTheFrameConversionCannotUseIsExit2NamingTheLine() throws IOException {
        String det = "\"task\": \"detection\", \"completion\": \"<think>x</think><answer>[{'Position': [10, 10, 50,"
                + " 50], 'Confidence': 0.9}]</answer>\", \"solution\": \"<answer>[{'Position': [10, 10, 50, 50],"
                + " 'Confidence': 1}]</answer>\"";
        String good = "{" + det + ", \"image_size\": [640, 480]}\n";
        String[][] cases = {{"{" + det + "}\n", "image_size is required"},
            {"{" + det + ", \"image_size\": [451, 1]}\n", "aspect ratio over 200"}};
        for (String[] c : cases) {
            Path in = dir.resolve("frames.jsonl");
            Files.writeString(in, good + c[0]);
            Path out = dir.resolve("frames-out.jsonl");
            CliRun r = CliRun.of("reward", "--input", in.toString(), "--output", out.toString(),
                    "--model-frame", "resized-pixels");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(in + ": line 2: ") && r.err().contains(c[1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void usageErrorsAreExit2() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"completion\": \"a\", \"solution\": \"b\"}\n");
        assertEquals(2, CliRun.of("reward", "--input", in.toString()).code(), "no task anywhere");
        assertEquals(2, CliRun.of("reward", "--task", "segmentation", "--input", in.toString()).code());
        assertEquals(2, CliRun.of("reward", "--task", "detection", "--mode", "exact", "--input", in.toString()).code());
        assertEquals(2, CliRun.of("reward", "--task", "detection", "--rewards", "nope", "--input", in.toString()).code());
        assertEquals(2, CliRun.of("reward", "--task", "detection", "--input", dir.resolve("missing").toString()).code());
        Files.writeString(in, "not json\n");
        assertEquals(2, CliRun.of("reward", "--task", "detection", "--input", in.toString()).code());
    }

    @Test
    void standardOutputCarriesTheInputBytesWhateverTheLocale() throws Exception {
        // a real process, so that standard output is the process's own; under the C locale the console's text
        // encoding is ASCII, and the lines' UTF-8 (here an e-acute and a CJK character) must still come out as read
        String line = "{\"task\": \"classification\", \"completion\": \"<answer>ros\u00e9 \u82b1</answer>\","
                + " \"solution\": \"<answer>ros\u00e9 \u82b1</answer>\"}";
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, line + "\n" + line + "\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.visualrft.app.Main", "reward", "--input",
                in.toString());
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("LANG", "C");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        String expected = line.substring(0, line.length() - 1)
                + ", \"rewards\": {\"accuracy\": 1.0, \"format\": 0.0}, \"reward\": 1.0}\n";
        assertEquals(expected + expected, new String(out, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** --output - is standard output, as --input - is standard input: no file named '-'. */
    @Test
    void dashOutputIsStandardOutput() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"completion\": \"<answer>cat</answer>\", \"solution\": \"<answer>cat</answer>\","
                + " \"task\": \"classification\"}\n");
        CliRun r = CliRun.of("reward", "--input", in.toString(), "--output", "-");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().contains("\"reward\""), r.out());
        assertFalse(Files.exists(Path.of("-")), "no file named -");
    }
}
