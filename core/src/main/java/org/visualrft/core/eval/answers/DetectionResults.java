package org.visualrft.core.eval.answers;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.QwenResize;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.DetectionAnswer;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.geometry.ImageSize;

/**
 * Turns model responses to detection prompts into COCO results, as {@code Qwen2_VL_coco_infere.py} does
 * (docs/original-code.md, "COCO mAP"): the evaluation reading of the answer (the rewards' parser after the script's text fixes), duplicates
 * removed, each box {@code [x1/1000*W, y1/1000*H, x2/1000*W - x1/1000*W, y2/1000*H - y1/1000*H]} with the confidence as score; no
 * threshold, no clipping, no NMS.
 *
 * <p>One deviation, counted in {@link Conversion#dropped()}: a box with a swapped corner (negative width or height)
 * or a non-finite number is left out. The original passes it to pycocotools, where it can never match (a
 * doubly-swapped box is a false positive, a singly-swapped one has negative area and is ignored); COCO results files
 * with negative sizes are refused as bad input here, so keeping them would produce a file this tool rejects.
 */
public final class DetectionResults {
    /** One model response: the image and category it was asked about, and the text it produced. */
    public record Response(long imageId, long categoryId, ImageSize imageSize, String text) {
    }

    /**
     * @param detections  the COCO results, in response order, boxes in answer order
     * @param unparsable  responses with no readable list (and not "No Objects")
     * @param noObjects   responses that said "No Objects"
     * @param duplicates  boxes removed as duplicates
     * @param malformed   list elements that were not well-formed predictions
     * @param dropped     boxes left out for a negative size or a non-finite number
     */
    public record Conversion(List<CocoDetection> detections, int unparsable, int noObjects, int duplicates,
            int malformed, int dropped) {
        public Conversion {
            detections = List.copyOf(detections);
        }
    }

    private DetectionResults() {
    }

    public static Conversion convert(List<Response> responses) {
        return convert(responses, CoordinateFrame.NORMALIZED_1000, null);
    }

    /**
     * The same for a model that writes boxes in {@code modelFrame} (a policy's {@code boxFrame()}; Qwen2.5-VL:
     * pixels of the image as {@code resize} resized it): coordinates are divided by the image's extent in that
     * frame instead of 1000. For 0–1000 the arithmetic is the script's, to the bit.
     */
    public static Conversion convert(List<Response> responses, CoordinateFrame modelFrame, QwenResize resize) {
        List<CocoDetection> out = new ArrayList<>();
        int unparsable = 0;
        int noObjects = 0;
        int duplicates = 0;
        int malformed = 0;
        int dropped = 0;
        for (Response r : responses) {
            DetectionAnswer a = AnswerExtractor.detectionForEvaluation(r.text());
            switch (a.status()) {
                case UNPARSABLE -> unparsable++;
                case NO_OBJECTS -> noObjects++;
                case PREDICTIONS -> {
                    duplicates += a.duplicates();
                    malformed += a.malformed();
                    double w = r.imageSize().width();
                    double h = r.imageSize().height();
                    double[] units = modelFrame.unitsPerImage(r.imageSize(), resize);
                    for (Prediction p : a.predictions()) {
                        // trans_bbox's arithmetic: each corner scaled, then subtracted (not (x2-x1)/1000*W,
                        // which differs in the last bits for most boxes)
                        double x = p.x1() / units[0] * w;
                        double y = p.y1() / units[1] * h;
                        double bw = p.x2() / units[0] * w - x;
                        double bh = p.y2() / units[1] * h - y;
                        if (!(bw >= 0 && bh >= 0) || !Double.isFinite(x) || !Double.isFinite(y)
                                || !Double.isFinite(bw) || !Double.isFinite(bh) || !Double.isFinite(p.confidence())) {
                            dropped++;
                            continue;
                        }
                        out.add(new CocoDetection(r.imageId(), r.categoryId(), x, y, bw, bh, p.confidence()));
                    }
                }
            }
        }
        return new Conversion(out, unparsable, noObjects, duplicates, malformed, dropped);
    }
}
