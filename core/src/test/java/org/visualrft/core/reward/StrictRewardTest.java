package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.geometry.QwenResize;

/** Strict mode: the same rewards with the original's bugs fixed. */
class StrictRewardTest {
    static final RewardOptions O = RewardOptions.DEFAULT;
    static final String GT = VisualRftGoldenTest.GT;

    static double score(String name, String answer, String solution) {
        return RewardRegistry.create(name, RewardMode.STRICT, O)
                .score("<think>x</think><answer>" + answer + "</answer>", RewardSample.of(solution));
    }

    @Test
    void classificationNeedsTheExactLabel() {
        String gt = "<answer>garden phlox</answer>";
        assertEquals(0.0, score("accuracy", "A or B or C", "<answer>A</answer>"));
        assertEquals(0.0, score("accuracy", "", gt));
        assertEquals(0.0, score("accuracy", " \u00a0 ", gt));
        assertEquals(0.0, score("accuracy", "phlox", gt));
        assertEquals(0.0, score("accuracy", "garden phlox or rose", gt));
        assertEquals(1.0, score("accuracy", "Garden_Phlox", gt));
        assertEquals(1.0, score("accuracy", "\ngarden-phlox\n", gt), "line breaks inside the block are fine");
        assertEquals(0.0, RewardRegistry.create("accuracy", RewardMode.STRICT, O)
                .score("<think>garden phlox</think>rose", RewardSample.of(gt)), "no answer block: 0");
        RewardFunction withSynonyms = RewardRegistry.create("accuracy", RewardMode.STRICT,
                O.withSynonyms(Map.of("Garden Phlox", List.of("phlox paniculata"))));
        assertEquals(1.0, withSynonyms.score("<think>x</think><answer>Phlox paniculata</answer>",
                RewardSample.of(gt)));
        RewardSample withColumn = new RewardSample(gt, Task.CLASSIFICATION, null, Map.of("synonyms", List.of("fall phlox")));
        assertEquals(1.0, RewardRegistry.create("accuracy", RewardMode.STRICT, O)
                .score("<think>x</think><answer>fall phlox</answer>", withColumn));
    }

    @Test
    void groundingUsesTheFirstBoxOwnCorners() {
        String gt = "<answer> (100,100),(300,300) </answer>";
        assertEquals(2.0, score("giou", "(100,100),(300,300),(400,400),(500,500)", gt), 1e-12);
        assertEquals(0.0, score("giou", "(300,300),(100,100)", gt), "a swapped box is not a box");
        assertEquals(1.95, score("giou", "(110,100),(300,300)", gt), 1e-12);
    }

    @Test
    void invalidConfidenceMakesOnePredictionWrongNotTheWholeAnswerAndNeverNaN() {
        String oneGt = "<answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}]</answer>";
        String answer = "[{'Position': [100, 100, 300, 300], 'Confidence': 0.8}, {'Position': [0, 0, 50, 50],"
                + " 'Confidence': NaN}]";
        assertEquals(0.5, score("iou", answer, oneGt), 1e-12);
        assertEquals(0.4, score("confidence", answer, oneGt), 1e-12);
        String nanOnly = "[{'Position': [100, 100, 300, 300], 'Confidence': NaN}]";
        assertEquals(0.0, score("confidence", nanOnly, oneGt));
        assertEquals(0.0, score("iou", nanOnly, oneGt));
        assertEquals(0.0, score("iou", "[{'Position': [100, 100, 300, 300], 'Confidence': 1.5}]", oneGt));
        assertEquals(0.0, score("iou", "[{'Position': [100, 100, 300, 300], 'Confidence': '0.9'}]", oneGt));
    }

    @Test
    void negativesAreRewardedForSayingNothing() {
        String neg = "<answer>No Objects</answer>";
        assertEquals(1.0, score("iou", "No Objects", neg));
        assertEquals(1.0, score("confidence", "[]", neg));
        assertEquals(0.0, score("iou", "[{'Position': [1, 1, 5, 5], 'Confidence': 0.2}]", neg));
        assertEquals(0.8, score("confidence", "[{'Position': [1, 1, 5, 5], 'Confidence': 0.2}]", neg), 1e-12);
        assertEquals(0.0, score("iou", "No Objects", GT));
        assertEquals(0.0, RewardRegistry.create("iou", RewardMode.VISUAL_RFT, O)
                .score("<think>x</think><answer>No Objects</answer>", RewardSample.of(neg)), "the original: 0");
    }

    @Test
    void goldenCasesWithoutBugsAgreeWithTheOriginal() {
        String a = "[{'Position': [100, 100, 300, 300], 'Confidence': 0.6}, {'Position': [100, 100, 300, 300],"
                + " 'Confidence': 0.5}, {'Position': [500, 520, 700, 800], 'Confidence': 0.95}, {'Position': [900, 900,"
                + " 950, 950], 'Confidence': 0.1}]";
        assertEquals(0.6444444444444445, score("iou", a, GT), 1e-15);
        assertEquals(0.8166666666666665, score("confidence", a, GT), 1e-15);
    }

    @Test
    void hungarianBeatsGreedyWhenAConfidentLooseBoxStealsTheMatch() {
        String gt = "<answer>[{'Position': [0, 0, 100, 100], 'Confidence': 1}, {'Position': [60, 0, 160, 100],"
                + " 'Confidence': 1}]</answer>";
        // the confident box overlaps both GTs, best with the second; the second box fits only the second GT
        String a = "[{'Position': [35, 0, 135, 100], 'Confidence': 0.9}, {'Position': [62, 0, 162, 100],"
                + " 'Confidence': 0.5}]";
        double greedy = score("iou", a, gt);
        double optimal = score("iou_hungarian", a, gt);
        // greedy: the 0.9 box takes GT2 (IoU 7500/12500 = 0.6; with GT1 only 0.48), the 0.5 box is left unmatched
        assertEquals(0.6 / 2, greedy, 1e-12);
        // optimal: the 0.5 box with GT2 (9800/10200); the 0.9 box cannot reach 0.5 with GT1
        assertEquals(9800.0 / 10200.0 / 2, optimal, 1e-12);
    }

    @Test
    void apRewardsRankingAndBoxCountRewardsTheCount() {
        String oneGt = "<answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}]</answer>";
        String goodFirst = "[{'Position': [100, 100, 300, 300], 'Confidence': 0.9}, {'Position': [600, 600, 700, 700],"
                + " 'Confidence': 0.1}]";
        String badFirst = "[{'Position': [100, 100, 300, 300], 'Confidence': 0.1}, {'Position': [600, 600, 700, 700],"
                + " 'Confidence': 0.9}]";
        assertEquals(1.0, score("ap", goodFirst, oneGt), 1e-12);
        assertEquals(0.5, score("ap", badFirst, oneGt), 1e-12);
        assertEquals(score("iou", goodFirst, oneGt), score("iou", badFirst, oneGt), "IoU ignores the ranking");
        assertEquals(0.5, score("box_count", goodFirst, oneGt), 1e-12);
        assertEquals(1.0, score("box_count", "No Objects", "<answer>No Objects</answer>"));
    }

    @Test
    void groundTruthIsConvertedToTheModelFrame() {
        // Qwen2.5-VL answers in pixels of the resized image; the dataset stores 0-1000 boxes
        ImageSize original = new ImageSize(1000, 500);
        ImageSize resized = QwenResize.TRAINING.apply(original);
        RewardOptions qwen25 = O.withFrames(CoordinateFrame.RESIZED_PIXELS, CoordinateFrame.NORMALIZED_1000);
        double sx = resized.width() / 1000.0;
        double sy = resized.height() / 1000.0;
        String answer = String.format(java.util.Locale.ROOT, "[{'Position': [%s, %s, %s, %s], 'Confidence': 0.9}]",
                100 * sx, 100 * sy, 300 * sx, 300 * sy);
        RewardSample sample = new RewardSample("<answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}]</answer>",
                Task.DETECTION, original, Map.of());
        String completion = "<think>x</think><answer>" + answer + "</answer>";
        assertEquals(1.0, RewardRegistry.create("iou", RewardMode.STRICT, qwen25).score(completion, sample), 1e-12);
        assertEquals(0.0, RewardRegistry.create("iou", RewardMode.STRICT, O).score(completion, sample), 1e-12,
                "without conversion the pixel answer misses");
        assertThrows(BadInputException.class, () -> RewardRegistry.create("iou", RewardMode.STRICT, qwen25)
                .score(completion, RewardSample.of(sample.solution())), "conversion needs the image size");
    }

    @Test
    void weightedSetsAndUnknownNames() {
        RewardSet set = RewardRegistry.set("iou:2, format:0.5", RewardMode.STRICT, O);
        RewardBreakdown r = set.score("<think>x</think><answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}]"
                + "</answer>", RewardSample.of(GT));
        assertEquals(Map.of("iou", 0.5, "format", 1.0), r.values());
        assertEquals(1.5, r.total(), 1e-12);
        assertEquals(List.of("iou", "format"), set.names());
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.set("iou,nope", RewardMode.STRICT, O));
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.set("iou,iou", RewardMode.STRICT, O));
        // "," and "iou," split to no name or a trailing empty one: an empty set scored every completion 0
        for (String spec : List.of(",", ",,", "iou,", " , ")) {
            assertThrows(IllegalArgumentException.class, () -> RewardRegistry.set(spec, RewardMode.STRICT, O), spec);
        }
    }
}
