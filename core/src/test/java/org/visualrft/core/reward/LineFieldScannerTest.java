package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written line scanner answers only where Jackson (the rewarder's general path) would read the same line
 * without error and get the same fields; on the fixture lines and on hundreds of thousands of mutations of them.
 */
class LineFieldScannerTest {
    private static final JsonFactory JSON = new JsonFactory();

    /** What the rewarder's Jackson path reads: the fields, or null for a line it refuses. */
    private static String jackson(byte[] line) {
        String completion = null;
        String solution = null;
        String task = null;
        String size = "none";
        int fields = 0;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                fields++;
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "completion", "solution", "task" -> {
                        if (v != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        switch (name) {
                            case "completion" -> completion = p.getText();
                            case "solution" -> solution = p.getText();
                            default -> task = p.getText();
                        }
                    }
                    case "image_size" -> {
                        if (v == JsonToken.VALUE_NULL) {
                            size = "none";
                        } else if (v == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                            long w = p.getLongValue();
                            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                                return null;
                            }
                            long h = p.getLongValue();
                            if (p.nextToken() != JsonToken.END_ARRAY || w <= 0 || h <= 0 || w > Integer.MAX_VALUE
                                    || h > Integer.MAX_VALUE) {
                                return null;
                            }
                            size = w + "x" + h;
                        } else {
                            p.skipChildren(); // the object form: the scanner leaves it to Jackson
                            size = "object";
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        return describe(completion, solution, task, size, fields);
    }

    private static String describe(String completion, String solution, String task, String size, int fields) {
        return completion + "\u0000" + solution + "\u0000" + task + "\u0000" + size + "\u0000" + fields;
    }

    /** The scanner's reading, or null when it leaves the line to Jackson. */
    private static String scanner(LineFieldScanner s, byte[] line) {
        if (!s.scan(line, 0, line.length)) {
            return null;
        }
        String size = s.width > 0 ? s.width + "x" + s.height : "none";
        return describe(s.completion, s.solution, s.task, size, s.fields);
    }

    private static byte[] trimEnd(byte[] line) {
        int n = line.length;
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r')) {
            n--;
        }
        return java.util.Arrays.copyOf(line, n);
    }

    private static List<byte[]> seeds() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String l : Files.readAllLines(RewardFixtures.file())) {
            out.add(l.getBytes(StandardCharsets.UTF_8));
        }
        String[] extra = {
            "{\"completion\": \"a\\nb\\t\\\"q\\\" \\\\ \\/ \\u00e9\\uD83D\\ude00\\b\\f\\r\", \"solution\": \"s\"}",
            "{\"completion\":\"a\",\"solution\":\"b\",\"task\":\"grounding\",\"image_size\":[640, 480]}",
            "{\"completion\": \"a\", \"completion\": \"b\", \"solution\": \"c\", \"image_size\": null}",
            "{\"image_size\": [1, 2], \"image_size\": null, \"completion\": \"\", \"solution\": \"\"}",
            "  {\"x\": [1, -0, 0.5, -1.5e10, 2E-3, true, false, null, {\"y\": {}}, []], \"completion\": \"c\","
                    + " \"solution\": \"d\"}",
            "{\"completion\": \"c\", \"solution\": \"d\", \"image_size\": {\"width\": 3, \"height\": 4}}",
            "{}",
            "{\"solution\": \"only\"}",
            "{\"completion\": \"c\", \"solution\": \"d\", \"image_size\": [999999999, 1]}",
            "{\"completion\": \"c\", \"solution\": \"d\", \"task\": \"detection\", \"k\\\"ey\": 1}",
        };
        for (String e : extra) {
            out.add(e.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void readsWhatJacksonReadsOnFixtureLines() throws IOException {
        LineFieldScanner s = new LineFieldScanner();
        int accepted = 0;
        List<byte[]> seeds = seeds();
        for (byte[] line : seeds) {
            String fast = scanner(s, line);
            if (fast != null) {
                accepted++;
                assertEquals(jackson(line), fast, new String(line, StandardCharsets.UTF_8));
            }
        }
        // the plain shape is the usual one: the scanner must take nearly every fixture line (else it is dead code)
        assertTrue(accepted >= seeds.size() * 9 / 10, accepted + " of " + seeds.size());
        byte[] escapes = seeds.get(seeds.size() - 10);
        org.junit.jupiter.api.Assertions.assertNotNull(scanner(s, escapes));
        assertEquals(jackson(escapes), scanner(s, escapes));
    }

    @Test
    void leavesUnusualLinesToJackson() {
        LineFieldScanner s = new LineFieldScanner();
        String[] refused = {
            "{\"completion\": \"caf\u00e9\", \"solution\": \"s\"}", // non-ASCII: Jackson checks the UTF-8
            "{\"completion\": 3, \"solution\": \"s\"}", // an error Jackson's path names
            "{\"completion\": \"a\", \"solution\": \"s\", \"x\": 01}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"x\": NaN}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"x\": \"\\x\"}",
            "{\"completion\": \"a\", \"solution\": \"s\"} x",
            "{\"completion\": \"a\", \"solution\": \"s\",}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"image_size\": [0, 5]}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"image_size\": [1.0, 5]}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"image_size\": [1, 5, 6]}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"image_size\": [12345678901, 5]}",
            "{\"compl\\u0065tion\": \"a\", \"solution\": \"s\"}", // an escape in a key
            "[1]",
            "{\"completion\": \"a\u0001\", \"solution\": \"s\"}",
            "{\"completion\": \"a\", \"solution\": \"s\", \"x\": truex}",
        };
        for (String r : refused) {
            assertFalse(s.scan(r.getBytes(StandardCharsets.UTF_8), 0, r.getBytes(StandardCharsets.UTF_8).length), r);
        }
        String deep = "{\"completion\": \"a\", \"solution\": \"s\", \"x\": " + "[".repeat(500) + "]".repeat(500) + "}";
        assertFalse(s.scan(deep.getBytes(StandardCharsets.UTF_8), 0, deep.length()));
    }

    @Test
    void neverDisagreesWithJacksonOnMutatedLines() throws IOException {
        byte[] alphabet = "\"\\{}[],:0123456789-+.eEtrufalsn \t\rux/bA".getBytes(StandardCharsets.US_ASCII);
        byte[] odd = {0, 1, 0x1f, 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xa9, (byte) 0xff, '\''};
        List<byte[]> seeds = seeds();
        Random rnd = new Random(16);
        LineFieldScanner s = new LineFieldScanner();
        int accepted = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            byte[] line = seeds.get(rnd.nextInt(seeds.size()));
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits && line.length > 0; e++) {
                int at = rnd.nextInt(line.length);
                byte c = rnd.nextInt(10) == 0 ? odd[rnd.nextInt(odd.length)] : alphabet[rnd.nextInt(alphabet.length)];
                line = switch (rnd.nextInt(4)) {
                    case 0 -> splice(line, at, 1, new byte[0]); // delete
                    case 1 -> splice(line, at, 0, new byte[] {c}); // insert
                    case 2 -> splice(line, at, 1, new byte[] {c}); // replace
                    default -> java.util.Arrays.copyOf(line, at); // truncate
                };
            }
            line = trimEnd(line); // the rewarder hands the scanner lines without trailing whitespace
            String fast = scanner(s, line);
            if (fast != null) {
                accepted++;
                assertEquals(jackson(line), fast, new String(line, StandardCharsets.ISO_8859_1));
            }
        }
        assertTrue(accepted > n / 10, "mutations the scanner read: " + accepted);
    }

    private static byte[] splice(byte[] a, int at, int remove, byte[] insert) {
        byte[] out = new byte[a.length - remove + insert.length];
        System.arraycopy(a, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(a, at + remove, out, at + insert.length, a.length - at - remove);
        return out;
    }
}
