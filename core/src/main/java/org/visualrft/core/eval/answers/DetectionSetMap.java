package org.visualrft.core.eval.answers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.DetectionAnswer;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoEvalResult;
import org.visualrft.core.eval.coco.CocoEvaluator;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.geometry.QwenResize;

/**
 * COCO mAP of answers to a detection set's samples (ViRFT records: one image and category each, the solution's boxes
 * in 0–1000), for evaluation inside training where no COCO ground-truth file exists: each sample becomes an image of
 * its own with its solution's boxes as ground truth (a {@code No Objects} solution: none), the answers are converted
 * as {@link DetectionResults} converts them, and the COCO evaluator scores the lot. A sample's size (or 1000 × 1000
 * when unknown) gives the pixel frame, so the area ranges mean what they mean in COCO when the size is known.
 */
public final class DetectionSetMap {
    /** One answered sample. */
    public record Item(String category, ImageSize size, String solution, String response) {
    }

    /** mAP@[.5:.95] and AP@.5 (NaN when the set has no ground-truth box), with the counts behind them. */
    public record Result(double map, double ap50, int samples, int categories, int groundTruthBoxes) {
    }

    private DetectionSetMap() {
    }

    /** Answers with boxes in 0–1000 (Qwen2-VL, Qwen3-VL, the built-in model). */
    public static Result evaluate(List<Item> items) {
        return evaluate(items, CoordinateFrame.NORMALIZED_1000, null);
    }

    /**
     * Answers with boxes in {@code modelFrame} (a policy's {@code boxFrame()}; Qwen2.5-VL: pixels of the image as
     * {@code resize} resized it), converted as {@link DetectionResults#convert(List, CoordinateFrame, QwenResize)}
     * converts them; the solutions stay 0–1000.
     */
    public static Result evaluate(List<Item> items, CoordinateFrame modelFrame, QwenResize resize) {
        Map<String, Long> categoryIds = new TreeMap<>();
        for (Item it : items) {
            categoryIds.putIfAbsent(it.category(), 0L);
        }
        long next = 1;
        for (Map.Entry<String, Long> e : categoryIds.entrySet()) {
            e.setValue(next++);
        }
        List<CocoImage> images = new ArrayList<>();
        List<CocoAnnotation> gt = new ArrayList<>();
        List<DetectionResults.Response> responses = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            long imageId = i + 1;
            ImageSize size = it.size() != null ? it.size() : new ImageSize(1000, 1000);
            long cat = categoryIds.get(it.category());
            images.add(CocoImage.of(imageId, size.width(), size.height()));
            DetectionAnswer truth = AnswerExtractor.detectionSolution(it.solution());
            for (Prediction p : truth.predictions()) {
                double x = p.x1() / 1000 * size.width();
                double y = p.y1() / 1000 * size.height();
                double w = p.x2() / 1000 * size.width() - x; // as DetectionResults converts the answers, so that
                double h = p.y2() / 1000 * size.height() - y; // an answer equal to its solution is the same box
                if (w > 0 && h > 0 && Double.isFinite(x) && Double.isFinite(y)) {
                    gt.add(new CocoAnnotation(gt.size() + 1, imageId, cat, x, y, w, h, w * h, false, false));
                }
            }
            responses.add(new DetectionResults.Response(imageId, cat, size, it.response()));
        }
        if (gt.isEmpty()) {
            return new Result(Double.NaN, Double.NaN, items.size(), categoryIds.size(), 0);
        }
        List<CocoCategory> cats = new ArrayList<>();
        categoryIds.forEach((name, id) -> cats.add(new CocoCategory(id, name, null)));
        List<CocoDetection> dets = DetectionResults.convert(responses, modelFrame, resize).detections();
        CocoEvalResult r = new CocoEvaluator().evaluate(new CocoGroundTruth(images, cats, gt), dets, "in-loop");
        double[] stats = r.stats();
        return new Result(stats[0], stats[1], items.size(), categoryIds.size(), gt.size());
    }
}
