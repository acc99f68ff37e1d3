package org.visualrft.core.eval.answers;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.geometry.Box;

/**
 * Reasoning-grounding box metrics as the LISA evaluation computes them (docs/original-code.md, "Grounding IoU"): the first
 * {@code (x1,y1),(x2,y2)} of the response and of the solution, both divided by 1000, and
 * {@code IoU = inter / (areaA + areaB - inter + 1e-6)}. A response without a box scores 0 and counts as a failure.
 * mIoU is the mean of per-sample IoU; cumulative IoU is Σ inter / Σ union over all samples (failures add the ground
 * truth's area to the union, as an empty prediction would).
 */
public final class GroundingIou {
    private static final double EPS = 1e-6;

    /** @param failures responses without a readable box */
    public record Result(double meanIou, double cumulativeIou, int total, int failures) {
    }

    private GroundingIou() {
    }

    public static Result evaluate(List<String> responses, List<String> solutions) {
        if (responses.size() != solutions.size()) {
            throw new IllegalArgumentException(responses.size() + " responses for " + solutions.size() + " samples");
        }
        List<Box> predicted = new ArrayList<>(responses.size());
        List<Box> truth = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            Box gt = AnswerExtractor.grounding(solutions.get(i)).first();
            if (gt == null) {
                throw new IllegalArgumentException("solution " + i + " has no (x1,y1),(x2,y2) box: " + solutions.get(i));
            }
            truth.add(gt.scale(1e-3, 1e-3));
            Box p = AnswerExtractor.grounding(responses.get(i)).first();
            predicted.add(p == null ? null : p.scale(1e-3, 1e-3));
        }
        return evaluateBoxes(predicted, truth);
    }

    /**
     * The box the LISA evaluation script reads from the decoded text (the prompt's text and the answer together, the
     * thinking included): the first {@code (x1,y1),(x2,y2)} anywhere in it, divided by 1000; null when there is none
     * (the script then scores 0).
     */
    public static Box firstBoxInText(String decoded) {
        List<Box> boxes = AnswerExtractor.boxes(decoded);
        return boxes.isEmpty() ? null : boxes.get(0).scale(1e-3, 1e-3);
    }

    /**
     * The metrics of predicted boxes (null: no box read, IoU 0) against ground-truth boxes, both in the same units
     * (fractions of the image: the script's {@code 1e-6} is relative to them).
     */
    public static Result evaluateBoxes(List<Box> predicted, List<Box> truth) {
        if (predicted.size() != truth.size()) {
            throw new IllegalArgumentException(predicted.size() + " predictions for " + truth.size() + " samples");
        }
        double sumIou = 0;
        double sumInter = 0;
        double sumUnion = 0;
        int failures = 0;
        for (int i = 0; i < predicted.size(); i++) {
            Box gt = truth.get(i);
            Box p = predicted.get(i);
            if (p == null) {
                failures++;
                sumUnion += gt.area();
                continue;
            }
            double iw = Math.max(0, Math.min(p.x2(), gt.x2()) - Math.max(p.x1(), gt.x1()));
            double ih = Math.max(0, Math.min(p.y2(), gt.y2()) - Math.max(p.y1(), gt.y1()));
            double inter = iw * ih;
            double union = p.area() + gt.area() - inter;
            double denominator = union + EPS;
            sumIou += denominator == 0 ? 0 : inter / denominator; // Python's ZeroDivisionError: the script scores 0
            sumInter += inter;
            sumUnion += union;
        }
        int n = predicted.size();
        return new Result(sumIou / n, sumUnion > 0 ? sumInter / sumUnion : 0.0, n, failures);
    }
}
