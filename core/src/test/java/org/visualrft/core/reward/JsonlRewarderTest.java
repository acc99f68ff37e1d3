package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;

/** The parallel, byte-level JSONL path gives the same bytes whatever the threads and batch sizes. */
class JsonlRewarderTest {
    private static JsonlRewarder rewarder(RewardMode mode) {
        return new JsonlRewarder("in.jsonl", null, t -> RewardRegistry.defaults(t, mode, RewardOptions.DEFAULT));
    }

    private static byte[] run(byte[] input, RewardMode mode, int threads, int batchBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        rewarder(mode).run(new LineBatches(new ByteArrayInputStream(input), batchBytes), out, threads);
        return out.toByteArray();
    }

    @Test
    void sameBytesForAnyThreadsAndBatchSize() throws IOException {
        byte[] input = Files.readAllBytes(RewardFixtures.file());
        for (RewardMode mode : RewardMode.values()) {
            byte[] one = run(input, mode, 1, 1 << 20);
            assertArrayEquals(one, run(input, mode, 3, 700), mode.toString());
            assertArrayEquals(one, run(input, mode, 2, 1), mode.toString()); // every line its own batch
        }
    }

    /**
     * A line that was scored before (evaluate --answers, or this command's own output) kept its old "rewards" and
     * "reward" and got the new ones appended: every line carried each key twice, and which one a reader saw depended
     * on the reader. The old members are dropped; the rest of the line is copied as it was.
     */
    @Test
    void aScoredLineIsRescoredWithoutRepeatingItsKeys() throws IOException {
        String sol = "\"solution\": \"<answer>cat</answer>\"";
        String done = "\"rewards\": {\"accuracy\": 0.0, \"format\": 0.0}, \"reward\": 0.0";
        String scored = "\"rewards\": {\"accuracy\": 1.0, \"format\": 0.0}, \"reward\": 1.0}";
        String[][] cases = {
            {"{\"task\": \"classification\", \"completion\": \"<answer>cat</answer>\", " + sol + ", " + done + "}",
                "{\"task\": \"classification\", \"completion\": \"<answer>cat</answer>\", " + sol + ", " + scored},
            // first, in the middle, spaced oddly; a key written with an escape is the same key
            {"{ \"reward\" : 7 ,\"task\": \"classification\", \"rew\\u0061rds\": [1, {\"a\": \"}\"}],"
                + " \"completion\": \"<answer>cat</answer>\", " + sol + "}",
                "{ \"task\": \"classification\", \"completion\": \"<answer>cat</answer>\", " + sol + ", " + scored},
            {"{\"reward\": 1, \"rewards\": null, \"task\": \"classification\", \"completion\": \"<answer>cat</answer>\","
                + " " + sol + "}",
                "{\"task\": \"classification\", \"completion\": \"<answer>cat</answer>\", " + sol + ", " + scored},
        };
        for (String[] c : cases) {
            for (int threads : new int[] {1, 2}) {
                String out = new String(run((c[0] + "\n").getBytes(StandardCharsets.UTF_8), RewardMode.VISUAL_RFT,
                        threads, 1 << 20), StandardCharsets.UTF_8);
                assertEquals(c[1] + "\n", out, c[0]);
            }
        }
        // re-scoring this command's own output gives the same bytes again
        String once = new String(run((cases[0][0] + "\n").getBytes(StandardCharsets.UTF_8), RewardMode.STRICT, 1,
                1 << 20), StandardCharsets.UTF_8);
        String twice = new String(run(once.getBytes(StandardCharsets.UTF_8), RewardMode.STRICT, 1, 1 << 20),
                StandardCharsets.UTF_8);
        assertEquals(once, twice);
    }

    @Test
    void everyLineCarriesItsOwnRewardsAndSum() throws IOException {
        List<String> in = Files.readAllLines(RewardFixtures.file());
        String[] out = new String(run(Files.readAllBytes(RewardFixtures.file()), RewardMode.VISUAL_RFT, 4, 900),
                StandardCharsets.UTF_8).split("\n");
        List<RewardFixtures.Case> cases = RewardFixtures.load();
        assertEquals(cases.size(), out.length);
        for (int i = 0; i < out.length; i++) {
            RewardFixtures.Case c = cases.get(i);
            String line = in.get(i);
            assertTrue(out[i].startsWith(line.substring(0, line.length() - 1) + ", \"rewards\": {"), c.id());
            RewardBreakdown b = RewardRegistry.defaults(Task.parseOrNull(c.task()), RewardMode.VISUAL_RFT,
                    RewardOptions.DEFAULT).score(c.completion(), RewardSample.of(c.solution()));
            for (var e : b.values().entrySet()) {
                double v = e.getValue();
                String text = Double.isNaN(v) ? "NaN" : v == Math.rint(v) ? (long) v + ".0" : Double.toString(v);
                assertTrue(out[i].contains("\"" + e.getKey() + "\": " + text), c.id() + " " + e.getKey());
            }
        }
    }

    @Test
    void crlfBlankLinesUnicodeBlanksNoFinalNewlineAndLongLines() throws IOException {
        String a = "{\"task\": \"classification\", \"completion\": \"<answer>rosé</answer>\","
                + " \"solution\": \"<answer>rosé</answer>\"}";
        String longOne = "{\"completion\": \"" + "x".repeat(5000) + "\", \"solution\": \"<answer>a</answer>\","
                + " \"task\": \"classification\"}";
        String input = a + "\r\n\n   \n\u3000\n" + longOne + "  \n" + a;
        String out = new String(run(input.getBytes(StandardCharsets.UTF_8), RewardMode.STRICT, 2, 64),
                StandardCharsets.UTF_8);
        String[] lines = out.split("\n");
        assertEquals(3, lines.length);
        String tail = ", \"rewards\": {\"accuracy\": 1.0, \"format\": 0.0}, \"reward\": 1.0}";
        assertEquals(a.substring(0, a.length() - 1) + tail, lines[0]);
        assertEquals(lines[0], lines[2]);
        assertTrue(lines[1].startsWith(longOne.substring(0, longOne.length() - 1) + ", \"rewards\""));
    }

    @Test
    void badLineNamesItsNumberAfterWritingTheLinesBeforeIt() {
        String good = "{\"task\": \"classification\", \"completion\": \"a\", \"solution\": \"<answer>a</answer>\"}\n";
        String input = good.repeat(40) + "\n{\"completion\": 3}\n" + good.repeat(40);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BadInputException e = assertThrows(BadInputException.class, () -> rewarder(RewardMode.STRICT).run(
                new LineBatches(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), 200), out, 3));
        assertTrue(e.getMessage().contains("in.jsonl") && e.getMessage().contains("line 42"), e.getMessage());
        assertEquals(40, new String(out.toByteArray(), StandardCharsets.UTF_8).split("\n").length);
        byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', ' ', '"', (byte) 0xff, '"', '}', '\n'};
        e = assertThrows(BadInputException.class, () -> run(invalidUtf8, RewardMode.STRICT, 1, 100));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
