package org.visualrft.core.eval.answers;

import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.QwenResize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualrft.core.geometry.ImageSize;

class DetectionSetMapTest {
    private static final ImageSize SIZE = new ImageSize(640, 480);
    private static final String BOX = "<answer>[{'Position': [100, 100, 500, 600], 'Confidence': 1}]</answer>";

    private static String answer(double conf) {
        return "<think>x</think><answer>[{'Position': [100, 100, 500, 600], 'Confidence': " + conf + "}]</answer>";
    }

    @Test
    void perfectAnswersScoreOne() {
        List<DetectionSetMap.Item> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            items.add(new DetectionSetMap.Item(i % 2 == 0 ? "cat" : "dog", SIZE, BOX, answer(0.9)));
        }
        DetectionSetMap.Result r = DetectionSetMap.evaluate(items);
        assertEquals(1.0, r.map(), 1e-12);
        assertEquals(2, r.categories());
        assertEquals(4, r.groundTruthBoxes());
    }

    @Test
    void missedHalfCapsRecallAtOneHalf() {
        List<DetectionSetMap.Item> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            items.add(new DetectionSetMap.Item("cat", SIZE, BOX,
                    i < 2 ? answer(0.9) : "<think>x</think><answer>No Objects</answer>"));
        }
        // COCO's 101 recall points: precision 1 at recall 0, 0.01, ..., 0.50 (51 points), 0 beyond
        assertEquals(51.0 / 101, DetectionSetMap.evaluate(items).ap50(), 1e-12);
    }

    @Test
    void aConfidentBoxOnANegativeSampleIsAFalsePositive() {
        List<DetectionSetMap.Item> items = List.of(
                new DetectionSetMap.Item("cat", SIZE, BOX, answer(0.5)),
                new DetectionSetMap.Item("cat", SIZE, "<answer>No Objects</answer>", answer(0.9)));
        // ranked: FP (0.9) then TP (0.5): precision 0.5 at recall 1, interpolated over all 101 points
        assertEquals(0.5, DetectionSetMap.evaluate(items).ap50(), 1e-12);
        assertTrue(Double.isNaN(DetectionSetMap.evaluate(List.of(new DetectionSetMap.Item("cat", null,
                "<answer>No Objects</answer>", answer(0.9)))).map()));
    }

    /**
     * A model that answers in pixels of the resized image (Qwen2.5-VL) is read in that frame: the solution's box written
     * in resized pixels scores 1; read as 0–1000 the same answer would not.
     */
    @Test
    void answersAreReadInTheModelsFrame() {
        ImageSize resized = QwenResize.TRAINING.apply(SIZE);
        double sx = resized.width() / 1000.0;
        double sy = resized.height() / 1000.0;
        String pixels = "<think>x</think><answer>[{'Position': [" + 100 * sx + ", " + 100 * sy + ", " + 500 * sx + ", "
                + 600 * sy + "], 'Confidence': 0.9}]</answer>";
        List<DetectionSetMap.Item> items = List.of(new DetectionSetMap.Item("cat", SIZE, BOX, pixels));
        assertEquals(1.0, DetectionSetMap.evaluate(items, CoordinateFrame.RESIZED_PIXELS, QwenResize.TRAINING).map(),
                1e-12);
        assertTrue(DetectionSetMap.evaluate(items).map() < 0.5, "read as 0–1000 the boxes are off");
    }
}
