package org.visualrft.core.reward;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.DetectionAnswer;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.geometry.Box;

/**
 * A detection completion and its ground truth as the strict rewards see them: ground truth converted to the model's
 * frame, predictions split into valid ones (proper box, finite confidence in [0, 1]) sorted by confidence (stable,
 * descending) and a count of invalid ones, which stay in the denominators as wrong predictions.
 */
final class StrictDetection {
    /** Parsed view of one (completion, sample). */
    record View(List<Box> truth, boolean truthNegative, boolean truthUnusable, boolean saysNothing,
                boolean answerUnusable, List<Prediction> valid, int invalid) {
        int predictionCount() {
            return valid.size() + invalid;
        }
    }

    private record Memo(String completion, RewardSample sample, RewardOptions options, View view) {
    }

    private static final ThreadLocal<Memo> LAST = new ThreadLocal<>();

    private StrictDetection() {
    }

    static View view(String completion, RewardSample sample, RewardOptions options) {
        Memo m = LAST.get();
        if (m != null && m.completion == completion && m.sample == sample && m.options == options) {
            return m.view;
        }
        View v = build(completion, sample, options);
        LAST.set(new Memo(completion, sample, options, v));
        return v;
    }

    private static View build(String completion, RewardSample sample, RewardOptions options) {
        DetectionAnswer gt = AnswerExtractor.detectionSolution(sample.solution());
        List<Box> truth = new ArrayList<>();
        boolean truthUnusable = gt.status() == DetectionAnswer.Status.UNPARSABLE || gt.malformed() > 0;
        for (Prediction p : gt.predictions()) {
            Box b = FrameConversion.toModelFrame(new Box(p.x1(), p.y1(), p.x2(), p.y2()), sample, options);
            if (!b.isProper()) {
                truthUnusable = true;
            }
            truth.add(b);
        }
        boolean truthNegative = !truthUnusable && truth.isEmpty();
        DetectionAnswer ans = AnswerExtractor.detection(completion);
        List<Prediction> valid = new ArrayList<>();
        int invalid = ans.malformed();
        for (Prediction p : ans.predictions()) {
            if (p.isValid()) {
                valid.add(p);
            } else {
                invalid++;
            }
        }
        valid.sort(Comparator.comparingDouble(Prediction::confidence).reversed()); // List.sort is stable
        boolean answerUnusable = ans.status() == DetectionAnswer.Status.UNPARSABLE;
        return new View(List.copyOf(truth), truthNegative, truthUnusable, ans.saysNothing(), answerUnusable,
                List.copyOf(valid), invalid);
    }

    static Box box(Prediction p) {
        return new Box(p.x1(), p.y1(), p.x2(), p.y2());
    }
}
