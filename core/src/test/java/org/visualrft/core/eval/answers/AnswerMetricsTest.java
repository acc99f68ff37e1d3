package org.visualrft.core.eval.answers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoEvaluator;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.reward.RewardFixtures;
import org.visualrft.core.reward.RewardMode;

class AnswerMetricsTest {
    @Test
    void visualRftAccuracyAgreesWithTheOriginalRewardOnTaggedFixtureCases() throws Exception {
        int checked = 0;
        for (RewardFixtures.Case c : RewardFixtures.load()) {
            if (!"classification".equals(c.task())) {
                continue;
            }
            String completion = c.completion();
            String solution = c.solution();
            Double expected = c.expected().get("accuracy");
            ClassificationAccuracy.Result r = ClassificationAccuracy.evaluate(List.of(completion), List.of(solution),
                    RewardMode.VISUAL_RFT);
            if (AnswerExtractor.classification(completion).tagged()) {
                // with an answer block the evaluation script and the reward read the same text
                assertEquals(expected, (double) r.correct(), completion);
                checked++;
            } else {
                assertEquals(0, r.correct(), "no answer block: counted wrong at evaluation: " + completion);
            }
        }
        assertTrue(checked >= 40, "checked " + checked);
    }

    @Test
    void accuracyModes() {
        List<String> solutions = List.of("<answer>garden phlox</answer>", "<answer>rose</answer>",
                "<answer>rose</answer>", "<answer>rose</answer>");
        List<String> responses = List.of("<think>.</think><answer>Garden_Phlox</answer>",
                "<answer>phlox, rose, tulip</answer>", "<answer></answer>", "no tags: rose");
        ClassificationAccuracy.Result v = ClassificationAccuracy.evaluate(responses, solutions, RewardMode.VISUAL_RFT);
        assertEquals(3, v.correct(), "substring rule: multi-label and empty answers count");
        assertEquals(1, v.untagged());
        assertEquals(0.75, v.accuracy());
        ClassificationAccuracy.Result s = ClassificationAccuracy.evaluate(responses, solutions, RewardMode.STRICT);
        assertEquals(1, s.correct(), "strict: only the exact label");
    }

    @Test
    void groundingMeanAndCumulativeIou() {
        List<String> solutions = List.of("<answer>(0,0),(500,500)</answer>", "<answer>(0,0),(1000,1000)</answer>",
                "<answer>(100,100),(200,200)</answer>");
        List<String> responses = List.of("<answer>(0,0),(500,500)</answer>", "<think/><answer>(0,0),(500,1000)</answer>",
                "I cannot tell");
        GroundingIou.Result r = GroundingIou.evaluate(responses, solutions);
        // IoUs: 0.25/(0.25+1e-6), 0.5/(1+1e-6), 0 (failure)
        assertEquals((0.25 / (0.25 + 1e-6) + 0.5 / (1 + 1e-6)) / 3, r.meanIou(), 1e-15);
        // Σinter = 0.25 + 0.5; Σunion = 0.25 + 1 + 0.01 (the failure's ground truth)
        assertEquals(0.75 / 1.26, r.cumulativeIou(), 1e-15);
        assertEquals(1, r.failures());
    }

    @Test
    void detectionAnswersBecomeCocoResultsInPixels() {
        ImageSize size = new ImageSize(640, 480);
        List<DetectionResults.Response> responses = List.of(
                new DetectionResults.Response(1, 5, size, "<think>x</think><answer>[[{'Position': [100, 200, 300, 400], "
                        + "'Confidence': 0.9}, {'Position': [100.0, 200, 300, 400], 'Confidence': 0.5},\n"
                        + "{'Position': [900, 900, 1100, 1000], 'Confidence': 0.3}, {'Position': [50, 50, 10, 80], "
                        + "'Confidence': 0.2}, ...]]</answer>"),
                new DetectionResults.Response(2, 5, size, "<answer>No Objects</answer>"),
                new DetectionResults.Response(2, 6, size, "<answer>I see a cat</answer>"));
        DetectionResults.Conversion c = DetectionResults.convert(responses);
        assertEquals(1, c.duplicates());
        assertEquals(1, c.noObjects());
        assertEquals(1, c.unparsable());
        assertEquals(1, c.dropped(), "the swapped box");
        assertEquals(List.of(
                new CocoDetection(1, 5, 100.0 / 1000 * 640, 200.0 / 1000 * 480, 200.0 / 1000 * 640, 200.0 / 1000 * 480, 0.9),
                new CocoDetection(1, 5, 900.0 / 1000 * 640, 900.0 / 1000 * 480, 200.0 / 1000 * 640, 100.0 / 1000 * 480,
                        0.3)), c.detections(), "no clipping past the border");

        CocoGroundTruth gt = new CocoGroundTruth(List.of(CocoImage.of(1, 640, 480), CocoImage.of(2, 640, 480)),
                List.of(new CocoCategory(5, "cat", null), new CocoCategory(6, "dog", null)),
                List.of(new CocoAnnotation(1, 1, 5, 64, 96, 128, 96, 128 * 96, false, false)));
        double ap = new CocoEvaluator().evaluate(gt, c.detections(), "answers").perCategoryAp().get(5L);
        assertEquals(1.0, ap, 1e-12, "the first answer box is exactly the ground truth");
    }

    /**
     * The script's {@code trans_bbox} scales each corner and then subtracts ({@code x2/1000*W - x1/1000*W}); the
     * width was computed as {@code (x2-x1)/1000*W}, which differs in the last bits for about two boxes in three.
     */
    @Test
    void boxSizesAreTheScriptsDifferencesOfScaledCorners() {
        DetectionResults.Conversion c = DetectionResults.convert(List.of(new DetectionResults.Response(1, 5,
                new ImageSize(640, 427), "<answer>[{'Position': [987, 10, 1000, 990], 'Confidence': 0.5}]</answer>")));
        CocoDetection d = c.detections().get(0);
        assertEquals(987 / 1000.0 * 640, d.x());
        assertEquals(10 / 1000.0 * 427, d.y());
        assertEquals(1000 / 1000.0 * 640 - 987 / 1000.0 * 640, d.width()); // 8.32000000000005
        assertEquals(990 / 1000.0 * 427 - 10 / 1000.0 * 427, d.height());
        assertNotEquals((1000 - 987) / 1000.0 * 640, d.width(), "the other order gives 8.32");
    }

    @Test
    void qwen25PixelAnswersBecomeCocoResultsThroughTheResizedImage() {
        // 640x480 resized by smart_resize (factor 28, default limits) to 644x476: pixels there map back by 640/644, 480/476
        ImageSize size = new ImageSize(640, 480);
        org.visualrft.core.geometry.QwenResize resize = org.visualrft.core.geometry.QwenResize.PROCESSOR_DEFAULT;
        ImageSize resized = resize.apply(size);
        assertEquals(new ImageSize(644, 476), resized);
        DetectionResults.Conversion c = DetectionResults.convert(List.of(new DetectionResults.Response(1, 5, size,
                "<answer>[{'Position': [322, 119, 644, 476], 'Confidence': 0.8}]</answer>")),
                org.visualrft.core.geometry.CoordinateFrame.RESIZED_PIXELS, resize);
        CocoDetection d = c.detections().get(0);
        assertEquals(320.0, d.x(), 1e-9);
        assertEquals(120.0, d.y(), 1e-9);
        assertEquals(320.0, d.width(), 1e-9);
        assertEquals(360.0, d.height(), 1e-9);
    }
}
