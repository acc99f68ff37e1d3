package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast path (primitive arrays) gives bit-identical values to the Python-object path wherever it answers:
 * generated well-formed answers with ints, floats, ties, duplicates, degenerate and inverted boxes.
 */
class FastPathEquivalenceTest {
    @Test
    void fastAndFullPathsAgreeBitForBit() {
        SplittableRandom r = new SplittableRandom(7);
        int fastAnswered = 0;
        for (int n = 0; n < 20_000; n++) {
            String gt = "<answer>" + list(r, 1 + r.nextInt(4), true) + "</answer>";
            String completion = "<think>x</think><answer>" + list(r, r.nextInt(6), false) + "</answer>";
            VisualRftDetection.Scores fast = VisualRftDetectionFast.tryScores(completion, gt);
            VisualRftDetection.Scores full = VisualRftDetection.computeWithoutFastPath(completion, gt);
            if (fast != null) {
                fastAnswered++;
                assertEquals(Double.doubleToRawLongBits(full.iou()), Double.doubleToRawLongBits(fast.iou()),
                        completion + " | " + gt);
                assertEquals(Double.doubleToRawLongBits(full.confidence()),
                        Double.doubleToRawLongBits(fast.confidence()), completion + " | " + gt);
            }
        }
        assertTrue(fastAnswered > 8_000, "the fast path answered " + fastAnswered);
    }

    private static String list(SplittableRandom r, int n, boolean truth) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int x = r.nextInt(6) * 100;
            int y = r.nextInt(6) * 100;
            String[] c = {num(r, x), num(r, y), num(r, x + r.nextInt(4) * 50 - 30), num(r, y + r.nextInt(4) * 50 - 30)};
            String conf = truth ? "1" : switch (r.nextInt(4)) {
                case 0 -> "1";
                case 1 -> "0";
                case 2 -> "0." + r.nextInt(10);
                default -> String.valueOf(r.nextInt(100) / 100.0);
            };
            String position = "'Position': [" + String.join(", ", c) + "]";
            String confidence = "'Confidence': " + conf;
            // shapes the tolerant reader accepts: extra, missing, repeated or reordered keys, other lengths,
            // bools, string or null confidences
            String element = switch (r.nextInt(30)) {
                case 0 -> "{" + confidence + ", " + position + "}";
                case 1 -> "{" + position + ", " + confidence + ", 'label': 'cat'}";
                case 2 -> "{" + position + "}";
                case 3 -> "{" + confidence + "}";
                case 4 -> "{" + position + ", 'Confidence': '0.9'}";
                case 5 -> "{" + position + ", 'Confidence': null}";
                case 6 -> "{" + position + ", 'Confidence': true}";
                case 7 -> "{'Position': [" + c[0] + ", " + c[1] + ", " + c[2] + "], " + confidence + "}";
                case 8 -> "{'Position': [true, " + c[1] + ", " + c[2] + ", " + c[3] + ", 5], " + confidence + "}";
                case 9 -> "{" + position + ", " + confidence + ", 'Position': [0, 0, 600, 600]}";
                case 10 -> "{}";
                default -> "{" + position + ", " + confidence + "}";
            };
            items.add(element);
        }
        if (!truth && n > 1 && r.nextBoolean()) {
            items.add(items.get(0).replace("0,", "0.0,"));
        }
        return "[" + String.join(", ", items) + "]";
    }

    private static String num(SplittableRandom r, int v) {
        return switch (r.nextInt(40)) { // long decimals (17 digits) go to the full path, so keep them rare
            case 0 -> v + ".5";
            case 1 -> v + ".0";
            case 2 -> String.valueOf(v / 3.0);
            case 3, 4, 5 -> v + ".25";
            default -> String.valueOf(v);
        };
    }
}
