package org.visualrft.train.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.DetectionAnswer;
import org.visualrft.core.reward.Task;

/**
 * Signs of reward hacking in sampled completions, read with the reward functions' own parsers:
 * <ul>
 *   <li>{@code hacking/duplicate_box_rate}: of the boxes written in detection answers, the share that repeat an
 *       earlier box of the same answer (a known way to farm IoU-style rewards);</li>
 *   <li>{@code hacking/pred_minus_gt}: mean (#predicted − #ground-truth boxes) per detection answer (over-prediction
 *       inflates recall-style rewards);</li>
 *   <li>{@code hacking/cls_not_one_label}: share of classification answers that are not exactly one valid label
 *       (lists of labels, prose, or labels outside the class set can game substring matching).</li>
 * </ul>
 * Accumulates over completions; {@link #values()} gives the means (absent when no completion of that task was seen).
 */
public final class HackingDiagnostics {
    private final Set<String> validLabels;
    private long boxes;
    private long duplicateBoxes;
    private long detectionAnswers;
    private long predMinusGt;
    private long classificationAnswers;
    private long notOneLabel;

    /** @param validLabels the class names of the data, lower-cased */
    public HackingDiagnostics(Set<String> validLabels) {
        this.validLabels = validLabels;
    }

    public void add(Task task, String completion, String solution) {
        switch (task) {
            case DETECTION -> {
                DetectionAnswer a = AnswerExtractor.detection(completion);
                DetectionAnswer gt = AnswerExtractor.detectionSolution(solution);
                int pred = a.predictions().size();
                boxes += pred + a.duplicates();
                duplicateBoxes += a.duplicates();
                detectionAnswers++;
                predMinusGt += pred - gt.predictions().size();
            }
            case CLASSIFICATION -> {
                String label = AnswerExtractor.classification(completion).label().toLowerCase(Locale.ROOT);
                classificationAnswers++;
                if (!validLabels.contains(label)) {
                    notOneLabel++;
                }
            }
            case GROUNDING -> {
                // grounding answers are one box by construction of the reward; nothing specific to count
            }
        }
    }

    /** The raw counts, to be summed over ranks and {@link #addCounts added} back. */
    public long[] counts() {
        return new long[] {boxes, duplicateBoxes, detectionAnswers, predMinusGt, classificationAnswers, notOneLabel};
    }

    /** Adds counts from {@link #counts()} of another accumulator. */
    public void addCounts(long[] c) {
        boxes += c[0];
        duplicateBoxes += c[1];
        detectionAnswers += c[2];
        predMinusGt += c[3];
        classificationAnswers += c[4];
        notOneLabel += c[5];
    }

    public Map<String, Double> values() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (detectionAnswers > 0) {
            m.put("hacking/duplicate_box_rate", boxes == 0 ? 0.0 : (double) duplicateBoxes / boxes);
            m.put("hacking/pred_minus_gt", (double) predMinusGt / detectionAnswers);
        }
        if (classificationAnswers > 0) {
            m.put("hacking/cls_not_one_label", (double) notOneLabel / classificationAnswers);
        }
        return m;
    }

    /** Lower-cased classification labels of a set of solutions ({@code <answer>label</answer>}). */
    public static String labelOf(String solution) {
        return AnswerExtractor.classification(solution).label().toLowerCase(Locale.ROOT);
    }
}
